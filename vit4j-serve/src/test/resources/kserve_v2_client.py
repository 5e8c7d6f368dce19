#!/usr/bin/env python3
"""A client of the Open Inference Protocol (KServe v2) REST API, written from the protocol's documents alone
(kserve/open-inference-protocol: required_api.md, and Triton's binary tensor data and classification extensions), with
Python's standard library only. The server's tests run it against `vit4j serve`; it also shows how to call it.

    kserve_v2_client.py URL metadata MODEL
    kserve_v2_client.py URL infer-fp32 MODEL FILE N C H W [--binary-input] [--binary-output] [--outputs A,B]
    kserve_v2_client.py URL infer-images MODEL IMAGE... [--json-input] [--binary-output] [--classification K]
    kserve_v2_client.py URL raw MODEL JSON             # sends JSON as the request body, prints status and body

FILE holds N*C*H*W float32 values, little-endian, row-major. Prints one JSON object: the response, with every
output's data decoded (binary outputs included) as {"name": {"datatype", "shape", "data"}}, and the HTTP status.
Loopback only.
"""
import base64
import http.client
import json
import struct
import sys
import urllib.parse

HEADER = "Inference-Header-Content-Length"


def connect(url):
    u = urllib.parse.urlsplit(url)
    if u.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("loopback only")
    return http.client.HTTPConnection(u.hostname, u.port, timeout=60)


def call(url, method, path, body=None, headers=None):
    conn = connect(url)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def decode_response(status, headers, body):
    """The JSON header and each output's data, reading the binary section as the extension lays it out."""
    length = headers.get(HEADER.lower())
    head = body if length is None else body[: int(length)]
    rest = b"" if length is None else body[int(length):]
    doc = json.loads(head)
    if status != 200:
        return {"status": status, "error": doc.get("error"), "response": doc}
    outputs = {}
    offset = 0
    for o in doc.get("outputs", []):
        size = (o.get("parameters") or {}).get("binary_data_size")
        if size is None:
            data = o["data"]
        else:
            chunk = rest[offset: offset + size]
            offset += size
            if o["datatype"] == "FP32":
                data = list(struct.unpack("<%df" % (size // 4), chunk))
            elif o["datatype"] == "BYTES":
                data, at = [], 0
                while at < len(chunk):
                    (n,) = struct.unpack_from("<I", chunk, at)
                    data.append(chunk[at + 4: at + 4 + n].decode("utf-8"))
                    at += 4 + n
            else:
                raise SystemExit("unexpected datatype " + o["datatype"])
        outputs[o["name"]] = {"datatype": o["datatype"], "shape": o["shape"], "data": data}
    if offset != len(rest):
        raise SystemExit("binary section of %d bytes, outputs account for %d" % (len(rest), offset))
    return {"status": status, "model_name": doc["model_name"], "model_version": doc.get("model_version"),
            "id": doc.get("id"), "outputs": outputs, "binary": length is not None}


def infer(url, model, inputs, binary_blobs, outputs, binary_output, request_id="client-1"):
    request = {"id": request_id, "inputs": inputs}
    if outputs:
        request["outputs"] = outputs
    if binary_output:
        request["parameters"] = {"binary_data_output": True}
    header = json.dumps(request).encode("utf-8")
    path = "/v2/models/%s/infer" % urllib.parse.quote(model)
    if binary_blobs:
        body = header + b"".join(binary_blobs)
        headers = {"Content-Type": "application/octet-stream", HEADER: str(len(header))}
    else:
        body = header
        headers = {"Content-Type": "application/json"}
    return decode_response(*call(url, "POST", path, body, headers))


def main(argv):
    url, command, model = argv[0], argv[1], argv[2]
    rest = argv[3:]
    flags = {a for a in rest if a.startswith("--")}
    value = lambda flag: rest[rest.index(flag) + 1] if flag in rest else None
    args = [a for i, a in enumerate(rest) if not a.startswith("--") and (i == 0 or rest[i - 1] not in
                                                                      ("--outputs", "--classification"))]
    if command == "metadata":
        out = {}
        for key, path in (("server", "/v2"), ("model", "/v2/models/" + model),
                          ("live", "/v2/health/live"), ("ready", "/v2/health/ready"),
                          ("model_ready", "/v2/models/%s/ready" % model)):
            status, _, body = call(url, "GET", path)
            out[key] = {"status": status, "body": json.loads(body) if body else None}
        print(json.dumps(out))
    elif command == "infer-fp32":
        file, n, c, h, w = args[0], *map(int, args[1:5])
        raw = open(file, "rb").read()
        tensor = {"name": "pixel_values", "datatype": "FP32", "shape": [n, c, h, w]}
        blobs = []
        if "--binary-input" in flags:
            tensor["parameters"] = {"binary_data_size": len(raw)}
            blobs.append(raw)
        else:
            tensor["data"] = list(struct.unpack("<%df" % (len(raw) // 4), raw))
        names = value("--outputs")
        outputs = [{"name": x} for x in names.split(",")] if names else None
        print(json.dumps(infer(url, model, [tensor], blobs, outputs, "--binary-output" in flags)))
    elif command == "infer-images":
        images = [open(f, "rb").read() for f in args]
        tensor = {"name": "image", "datatype": "BYTES", "shape": [len(images)]}
        blobs = []
        if "--json-input" in flags:
            tensor["data"] = [base64.b64encode(i).decode("ascii") for i in images]
        else:
            blob = b"".join(struct.pack("<I", len(i)) + i for i in images)
            tensor["parameters"] = {"binary_data_size": len(blob)}
            blobs.append(blob)
        outputs = [{"name": "logits"}, {"name": "pre_logits"}]
        k = value("--classification")
        if k:
            outputs = [{"name": "logits", "parameters": {"classification": int(k)}}]
        print(json.dumps(infer(url, model, [tensor], blobs, outputs, "--binary-output" in flags)))
    elif command == "raw":
        status, headers, body = call(url, "POST", "/v2/models/%s/infer" % model, args[0].encode("utf-8"),
                                     {"Content-Type": "application/json"})
        print(json.dumps({"status": status, "body": body.decode("utf-8", "replace")}))
    else:
        raise SystemExit("unknown command " + command)


if __name__ == "__main__":
    main(sys.argv[1:])
