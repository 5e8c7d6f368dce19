#!/usr/bin/env python3
"""End-to-end latency of searches on a running `vit4j serve --index NAME=DIR` (docs/search.md): each request an
image (round-robin over a folder) to POST /v1/indexes/NAME/search, or a sentence as JSON, so the time includes the
upload, decoding, preprocessing, the model's forward pass in the server's batches, the HNSW search and the answer.

usage: tools/search_latency.py URL NAME IMAGES_DIR [--requests 200] [--concurrency 1,8] [--text "a photo of a dog"]
Standard library only. Prints, per concurrency: requests/s, and p50/p95/p99 latency in ms (after 10 warm-up requests).
"""
import argparse
import json
import os
import statistics
import threading
import time
import urllib.request


def post(url, body, content_type):
    req = urllib.request.Request(url, data=body, headers={"Content-Type": content_type}, method="POST")
    with urllib.request.urlopen(req, timeout=120) as r:
        r.read()
        return r.status


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("name")
    ap.add_argument("images")
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--concurrency", default="1,8")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--text", default=None, help="search by this sentence instead of by the images")
    a = ap.parse_args()
    files = sorted(os.path.join(a.images, f) for f in os.listdir(a.images)
                   if f.lower().endswith((".png", ".jpg", ".jpeg")))
    bodies = [open(f, "rb").read() for f in files]
    url = f"{a.url}/v1/indexes/{a.name}/search"

    def one(i):
        if a.text is not None:
            return post(url, json.dumps({"text": a.text, "k": a.k}).encode(), "application/json")
        return post(f"{url}?k={a.k}", bodies[i % len(bodies)], "application/octet-stream")

    for i in range(10):
        one(i)
    for c in [int(x) for x in a.concurrency.split(",")]:
        latencies = []
        lock = threading.Lock()
        counter = iter(range(a.requests))

        def worker():
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                t = time.perf_counter()
                status = one(i)
                took = time.perf_counter() - t
                assert status == 200, status
                with lock:
                    latencies.append(took)

        start = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(c)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
        q = statistics.quantiles(sorted(latencies), n=100)
        kind = "sentence" if a.text is not None else "image"
        print(f"search by {kind}, concurrency {c}: {a.requests / wall:.1f} requests/s, p50 {1000 * q[49]:.1f} ms, "
              f"p95 {1000 * q[94]:.1f} ms, p99 {1000 * q[98]:.1f} ms ({a.requests} requests)", flush=True)


if __name__ == "__main__":
    main()
