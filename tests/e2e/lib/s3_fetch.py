#!/usr/bin/python3
"""s3_fetch.py: reads objects back from the tests' S3 endpoint, signed
with botocore (Debian's python3-botocore), independently of sluice.

  s3_fetch.py ENDPOINT BUCKET PREFIX OUTDIR   lists PREFIX (ListObjectsV2,
      every page) and writes each object to OUTDIR/<key>; prints the keys
  s3_fetch.py --sha256 ENDPOINT BUCKET KEY    prints the object's SHA-256
      and size, streamed (no copy on disk)

Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
AWS_SESSION_TOKEN (when set), the
region from AWS_REGION (default us-east-1). Fails (exit 1) on any status
but 200.
"""
import hashlib
import http.client
import os
import sys
import urllib.parse
import xml.etree.ElementTree as ET

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CREDS = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"],
                    os.environ.get("AWS_SESSION_TOKEN") or None)
REGION = os.environ.get("AWS_REGION", "us-east-1")


def get(endpoint, path, query=""):
    url = endpoint + path + ("?" + query if query else "")
    req = AWSRequest(method="GET", url=url,
                     headers={"x-amz-content-sha256": hashlib.sha256(b"").hexdigest()})
    S3SigV4Auth(CREDS, "s3", REGION).add_auth(req)
    u = urllib.parse.urlsplit(endpoint)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    conn.request("GET", path + ("?" + query if query else ""), headers=dict(req.headers))
    resp = conn.getresponse()
    if resp.status != 200:
        sys.exit("GET %s: HTTP %d %s" % (path, resp.status, resp.read()[:300]))
    return conn, resp


def find(el, tag):
    """Children named `tag` in whatever namespace (AWS's and s3rver's
    differ)."""
    return [c for c in el if c.tag == tag or c.tag.endswith("}" + tag)]


def main():
    if sys.argv[1] == "--sha256":
        endpoint, bucket, key = sys.argv[2:5]
        conn, resp = get(endpoint, "/%s/%s" % (bucket, urllib.parse.quote(key)))
        h, n = hashlib.sha256(), 0
        while True:
            b = resp.read(1 << 20)
            if not b:
                break
            h.update(b)
            n += len(b)
        print(h.hexdigest(), n)
        return
    endpoint, bucket, prefix, outdir = sys.argv[1:5]
    token = None
    while True:
        q = {"list-type": "2", "prefix": prefix}
        if token:
            q["continuation-token"] = token
        query = "&".join("%s=%s" % (k, urllib.parse.quote(v, safe="~")) for k, v in sorted(q.items()))
        conn, resp = get(endpoint, "/" + bucket, query)
        root = ET.fromstring(resp.read())
        conn.close()
        for c in find(root, "Contents"):
            key = find(c, "Key")[0].text
            conn, resp = get(endpoint, "/%s/%s" % (bucket, urllib.parse.quote(key)))
            dst = os.path.join(outdir, key)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "wb") as f:
                f.write(resp.read())
            conn.close()
            print(key)
        trunc = find(root, "IsTruncated")
        nxt = find(root, "NextContinuationToken")
        if trunc and trunc[0].text == "true" and nxt:
            token = nxt[0].text
        else:
            break


if __name__ == "__main__":
    main()
