#!/usr/bin/env python3
"""The vectors, the exact answers and faiss's HNSW for the search benchmark (docs/search.md).

Draws N base vectors and Q queries that look like image embeddings (clustered: each a cluster centre plus noise,
L2-normalised), writes them as little-endian float32 (base.f32, queries.f32), finds each query's exact 10 nearest by
inner product with faiss's IndexFlatIP (truth.i32, Q x 10), then times faiss's IndexHNSWFlat (inner product, M and
efConstruction as Lucene's defaults) on the same vectors: build time, and recall@10 and single-thread queries per
second at each efSearch. vit4j's side reads the same files: `java -cp vit4j-bench/target/vit4j-benchmarks.jar
dev.vit4j.bench.SearchBench DIR`.

usage: tools/search_anchor.py DIR N DIM [--queries 1000] [--clusters N/1000] [--threads 2]
needs numpy and faiss-cpu (in the local wheel mirror: pip install --no-index --find-links ... faiss-cpu)
"""
import argparse
import json
import os
import time

import numpy as np


def draw(rng, centres, n, spread):
    out = np.empty((n, centres.shape[1]), dtype=np.float32)
    step = 100_000
    for start in range(0, n, step):
        m = min(step, n - start)
        c = centres[rng.integers(0, len(centres), m)]
        v = c + spread * rng.standard_normal(c.shape, dtype=np.float32)
        out[start:start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("n", type=int)
    ap.add_argument("dim", type=int)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--clusters", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=100)
    ap.add_argument("--ef-search", default="10,20,40,80,160,320")
    ap.add_argument("--search-only", action="store_true",
                    help="time the searches of the faiss index an earlier run saved in DIR (faiss.index) again")
    a = ap.parse_args()
    import faiss
    if a.search_only and not os.path.exists(os.path.join(a.dir, "faiss.index")):
        ap.error("no faiss.index in " + a.dir + ": run without --search-only first")

    os.makedirs(a.dir, exist_ok=True)
    if a.search_only:
        with open(os.path.join(a.dir, "faiss.json")) as f:
            result = json.load(f)
        queries = np.fromfile(os.path.join(a.dir, "queries.f32"), dtype=np.float32).reshape(-1, a.dim)
        truth = np.fromfile(os.path.join(a.dir, "truth.i32"), dtype=np.int32).reshape(-1, 10)
        hnsw = faiss.read_index(os.path.join(a.dir, "faiss.index"))
        result["rows"] = search(faiss, hnsw, queries, truth, a)
        with open(os.path.join(a.dir, "faiss.json"), "w") as f:
            json.dump(result, f, indent=1)
        return
    rng = np.random.default_rng(34)
    clusters = a.clusters or max(10, a.n // 1000)
    centres = rng.standard_normal((clusters, a.dim), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    # noise of norm ~0.9 against a unit centre: members' cosine to their centre ~0.75, to each other ~0.55,
    # unrelated vectors ~0 -- the spread of real image embeddings within and across subjects
    spread = 0.9 / np.sqrt(a.dim)
    base = draw(rng, centres, a.n, spread)
    queries = draw(rng, centres, a.queries, spread)
    base.tofile(os.path.join(a.dir, "base.f32"))
    queries.tofile(os.path.join(a.dir, "queries.f32"))

    faiss.omp_set_num_threads(a.threads)
    flat = faiss.IndexFlatIP(a.dim)
    flat.add(base)
    _, truth = flat.search(queries, 10)
    truth.astype(np.int32).tofile(os.path.join(a.dir, "truth.i32"))
    del flat

    hnsw = faiss.IndexHNSWFlat(a.dim, a.m, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = a.ef_construction
    t = time.perf_counter()
    hnsw.add(base)
    build = time.perf_counter() - t
    faiss.write_index(hnsw, os.path.join(a.dir, "faiss.index"))
    rows = search(faiss, hnsw, queries, truth, a)
    result = {"n": a.n, "dim": a.dim, "queries": a.queries, "clusters": clusters, "m": a.m,
              "ef_construction": a.ef_construction, "build_threads": a.threads, "build_s": round(build, 1),
              "build_us_per_vector": round(1e6 * build / a.n, 1), "faiss": faiss.__version__, "rows": rows}
    with open(os.path.join(a.dir, "faiss.json"), "w") as f:
        json.dump(result, f, indent=1)
    print(f"faiss build: {build:.1f} s ({1e6 * build / a.n:.1f} us/vector, {a.threads} threads)")


def search(faiss, hnsw, queries, truth, a):
    """recall@10 and single-thread queries per second (median of 3) at each efSearch."""
    rows = []
    faiss.omp_set_num_threads(1)
    for ef in [int(x) for x in a.ef_search.split(",")]:
        hnsw.hnsw.efSearch = ef
        times = []
        for _ in range(3):
            t = time.perf_counter()
            _, found = hnsw.search(queries, 10)
            times.append(time.perf_counter() - t)
        recall = np.mean([len(set(found[i]) & set(truth[i])) / 10 for i in range(a.queries)])
        qps = a.queries / sorted(times)[1]
        rows.append({"ef_search": ef, "recall_at_10": round(float(recall), 4), "qps": round(qps, 1)})
        print(f"faiss HNSW M={a.m} efConstruction={a.ef_construction} efSearch={ef}: recall@10 {recall:.4f}, "
              f"{qps:.0f} queries/s (1 thread, median of 3)", flush=True)
    return rows


if __name__ == "__main__":
    main()
