#!/usr/bin/python3
"""s3_verify.py: an S3 endpoint for the tests that checks every signature.

s3rver (npm, tests/conformance/node_modules) stores objects but does not
verify SigV4 (it only checks that the access key id is S3RVER). This proxy
starts s3rver itself on 127.0.0.1, then, for every request it receives,
recomputes the SigV4 signature with botocore (Debian's python3-botocore)
from the expected secret and the headers the request says it signed, and
checks that x-amz-content-sha256 is the body's SHA-256. A mismatch is
refused with S3's 403 XML (SignatureDoesNotMatch,
XAmzContentSHA256Mismatch); the rest goes to s3rver unchanged.

s3rver 3.7.1 lacks two calls sluice makes, which the proxy answers itself
from s3rver's store (<data>/<bucket>/._S3rver_uploads/<id>/key):
AbortMultipartUpload (DELETE ?uploadId=) and ListMultipartUploads
(GET ?uploads). Both are signature-checked like every request.

Faults, for the tests of what sluice does when an upload goes wrong:
--fail-put K:STATUS answers the K-th PutObject (1-based) with STATUS and an
S3 <Error> (SlowDown for 503, InternalError otherwise); --deny-put answers
every PutObject 403 AccessDenied (a key that may list but not write);
--delay-put S answers each PutObject S seconds late (a slow store);
--fail-part N:STATUS (repeatable) answers every UploadPart of part N with
STATUS and an S3 <Error>; --hold-part N --hold-fifo F writes "held N" to the FIFO F when
part N arrives and never answers it (the test then kills sluice).

Usage: s3_verify.py --data DIR --bucket B --access-key ID --secret S
       --s3rver BIN [--port N] [--region R] [--log FILE] [faults]
Prints "listening on 127.0.0.1:PORT" first. Stops by itself when its
parent dies (PR_SET_PDEATHSIG) and after --idle-timeout seconds without a
request; s3rver dies with it.
"""
import argparse
import ctypes
import hashlib
import http.client
import http.server
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from xml.sax.saxutils import escape

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

PR_SET_PDEATHSIG = 1


def die_with_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class SignedOnly(S3SigV4Auth):
    """botocore's S3 signer restricted to the headers the request signed,
    as S3 itself checks."""

    def __init__(self, creds, region, signed):
        super().__init__(creds, "s3", region)
        self._signed = signed

    def headers_to_sign(self, request):
        out = http.client.HTTPMessage()
        for name, value in request.headers.items():
            if name.lower() in self._signed:
                out[name.lower()] = value
        return out


def s3_error(code, message):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
            '<Message>%s</Message><RequestId>0</RequestId></Error>'
            % (code, escape(message))).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def log_req(self, status):
        if self.server.opts.log:
            with self.server.log_lock, open(self.server.opts.log, "a") as f:
                f.write("%s %s %d %s\n" % (self.command, self.path, status,
                                           self.headers.get("Content-Length", "0")))

    def reply(self, status, body, ctype="application/xml"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.log_req(status)

    def verify(self, body):
        o = self.server.opts
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 "):
            return s3_error("AccessDenied", "Access Denied: no SigV4 Authorization header")
        fields = {}
        for part in auth[len("AWS4-HMAC-SHA256 "):].split(","):
            k, _, v = part.strip().partition("=")
            fields[k] = v
        cred = fields.get("Credential", "").split("/")
        if len(cred) != 5 or cred[0] != o.access_key:
            return s3_error("InvalidAccessKeyId",
                            "The AWS Access Key Id you provided does not exist in our records.")
        if cred[2] != o.region or cred[3] != "s3" or cred[4] != "aws4_request":
            return s3_error("AuthorizationHeaderMalformed",
                            "The authorization header is malformed; the region '%s' is wrong; expecting '%s'"
                            % (cred[2], o.region))
        signed = set(fields.get("SignedHeaders", "").split(";"))
        for need in ("host", "x-amz-date", "x-amz-content-sha256"):
            if need not in signed:
                return s3_error("AccessDenied", "Access Denied: %s is not signed" % need)
        declared = self.headers.get("x-amz-content-sha256", "")
        if declared != hashlib.sha256(body).hexdigest():
            return s3_error("XAmzContentSHA256Mismatch",
                            "The provided 'x-amz-content-sha256' header does not match what was computed.")
        amz_date = self.headers.get("x-amz-date", "")
        url = "http://%s%s" % (self.headers.get("Host", ""), self.path)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() != "authorization"}
        req = AWSRequest(method=self.command, url=url, headers=hdrs, data=body)
        req.context["timestamp"] = amz_date
        signer = SignedOnly(Credentials(o.access_key, o.secret, o.token), o.region, signed)
        if o.token and self.headers.get("x-amz-security-token") != o.token:
            return s3_error("InvalidToken", "The provided token is malformed or otherwise invalid.")
        canonical = signer.canonical_request(req)
        want = signer.signature(signer.string_to_sign(req, canonical), req)
        if want != fields.get("Signature"):
            # stderr only: the test shows it when it fails
            sys.stderr.write("signature mismatch for %s %s; canonical request:\n%s\n"
                             % (self.command, self.path, canonical))
            return s3_error("SignatureDoesNotMatch",
                            "The request signature we calculated does not match the signature you provided. "
                            "Check your key and signing method.")
        return None

    def uploads_dir(self):
        return os.path.join(self.server.opts.data, self.server.opts.bucket, "._S3rver_uploads")

    def handle_any(self):
        self.server.touch()
        n = int(self.headers.get("Content-Length", "0") or "0")
        body = self.rfile.read(n) if n else b""
        refused = self.verify(body)
        if refused:
            return self.reply(403, refused)
        parsed = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        o = self.server.opts
        part = query.get("partNumber", [None])[0] if self.command == "PUT" else None
        if self.command == "PUT" and not parsed.query:
            with self.server.log_lock:
                self.server.puts += 1
                nth = self.server.puts
            if o.delay_put:
                time.sleep(o.delay_put)  # the slow store itself, not a wait for an event
            if o.deny_put:
                return self.reply(403, s3_error("AccessDenied", "Access Denied"))
            if o.fail_put and nth == int(o.fail_put.split(":")[0]):
                st = int(o.fail_put.split(":")[1])
                return self.reply(st, s3_error("SlowDown" if st == 503 else "InternalError",
                                               "injected failure of PUT %d" % nth))
        for rule in o.fail_part:
            if part is not None and part == rule.split(":")[0]:
                st = int(rule.split(":")[1])
                return self.reply(st, s3_error("InvalidPart" if st < 500 else "InternalError",
                                               "injected failure of part %s" % part))
        if part is not None and o.hold_part and part == o.hold_part:
            self.log_req(0)
            with open(o.hold_fifo, "w") as f:
                f.write("held %s\n" % part)
            threading.Event().wait()  # never answered: the test kills sluice
        if self.command == "DELETE" and "uploadId" in query:
            d = os.path.join(self.uploads_dir(), os.path.basename(query["uploadId"][0]))
            if not os.path.isdir(d):
                return self.reply(404, s3_error("NoSuchUpload", "The specified upload does not exist."))
            shutil.rmtree(d)
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return self.log_req(204)
        if self.command == "GET" and "uploads" in query:
            prefix = query.get("prefix", [""])[0]
            items = []
            if os.path.isdir(self.uploads_dir()):
                for uid in sorted(os.listdir(self.uploads_dir())):
                    try:
                        with open(os.path.join(self.uploads_dir(), uid, "key")) as f:
                            key = f.read()
                    except OSError:
                        continue
                    if key.startswith(prefix):
                        items.append("<Upload><Key>%s</Key><UploadId>%s</UploadId></Upload>"
                                     % (escape(key), escape(uid)))
            xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult>'
                   '<Bucket>%s</Bucket><Prefix>%s</Prefix><IsTruncated>false</IsTruncated>%s'
                   '</ListMultipartUploadsResult>' % (escape(self.server.opts.bucket), escape(prefix),
                                                      "".join(items)))
            return self.reply(200, xml.encode())
        conn = http.client.HTTPConnection("127.0.0.1", self.server.upstream, timeout=120)
        hdrs = {k: v for k, v in self.headers.items()
                if k.lower() not in ("connection", "expect")}
        conn.request(self.command, self.path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length",
                                 "keep-alive", "date", "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()
        self.log_req(resp.status)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def touch(self):
        self.last = time.monotonic()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--bucket", required=True)
    ap.add_argument("--access-key", required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--token", default=None)
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--log", default=None)
    ap.add_argument("--idle-timeout", type=float, default=120)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--s3rver", required=True)
    ap.add_argument("--fail-part", action="append", default=[])
    ap.add_argument("--fail-put", default=None)
    ap.add_argument("--deny-put", action="store_true")
    ap.add_argument("--delay-put", type=float, default=0)
    ap.add_argument("--hold-part", default=None)
    ap.add_argument("--hold-fifo", default=None)
    opts = ap.parse_args()
    die_with_parent()
    os.makedirs(opts.data, exist_ok=True)
    child = subprocess.Popen(
        # Virtual-hosted requests come as <bucket>.s3.localhost (curl
        # resolves *.localhost to 127.0.0.1 itself); path-style to 127.0.0.1.
        [opts.s3rver, "-d", opts.data, "-a", "127.0.0.1", "-p", "0", "--no-vhost-buckets",
         "--service-endpoint", "localhost", "--configure-bucket", opts.bucket],
        stdout=subprocess.PIPE, preexec_fn=die_with_parent)
    upstream = None
    for line in child.stdout:
        line = line.decode().strip()
        if line.startswith("S3rver listening on"):
            upstream = int(line.rsplit(":", 1)[1])
            break
    if upstream is None:
        sys.exit("s3rver did not start")
    threading.Thread(target=lambda: [None for _ in child.stdout], daemon=True).start()
    srv = Server(("127.0.0.1", opts.port), Handler)
    srv.opts, srv.upstream, srv.log_lock = opts, upstream, threading.Lock()
    srv.puts = 0
    srv.touch()

    def idle():
        # The proxy's own idle timeout (it stops by itself, as every test
        # server does): sleep until the last request is idle_timeout old.
        while (left := srv.last + opts.idle_timeout - time.monotonic()) > 0:
            time.sleep(left)
        srv.shutdown()
    threading.Thread(target=idle, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=srv.shutdown).start())
    print("listening on 127.0.0.1:%d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    finally:
        child.terminate()
        child.wait()


if __name__ == "__main__":
    main()
