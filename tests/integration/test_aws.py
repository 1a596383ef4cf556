"""AWS sources end to end: CloudTrail log files (plain and gzip), EventBridge,
SNS deliveries signed with a certificate the test makes (openssl CLI), the
CloudWatch ALARM then OK of one alarm, text/plain, re-sent MessageIds, and
bad signatures. The signing certificate and the SubscribeURL fetched over
HTTPS from a server in the test, verified against a CA the test makes."""

import base64
import gzip
import http.server
import json
import os
import ssl
import subprocess
import threading
import time
import unittest
import uuid

from harness import DaemonTestCase, metric_sum, rfc3339

CERT_NAME = "SimpleNotificationService-test.pem"
CERT_URL = "https://sns.us-east-1.amazonaws.com/" + CERT_NAME
TOPIC = "arn:aws:sns:us-east-1:111122223333:ops-alarms"


def make_cert(directory, name):
    key = os.path.join(directory, name + ".key")
    cert = os.path.join(directory, name)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-subj", "/CN=sns.amazonaws.com", "-days", "2"],
                   check=True, capture_output=True)
    return key


def string_to_sign(m):
    keys = (["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
            if m["Type"] == "Notification" else
            ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"])
    return "".join(f"{k}\n{m[k]}\n" for k in keys if k in m).encode("utf-8")


def sign(message, key, version="2"):
    message["SignatureVersion"] = version
    digest = "-sha256" if version == "2" else "-sha1"
    out = subprocess.run(["openssl", "dgst", digest, "-sign", key], input=string_to_sign(message),
                         check=True, capture_output=True).stdout
    message["Signature"] = base64.b64encode(out).decode()
    return message


def record(error_code="AccessDenied", event_id=None, name="DeleteRolePolicy"):
    r = {"eventVersion": "1.09", "eventTime": rfc3339(time.time()),
         "eventSource": "iam.amazonaws.com", "eventName": name, "awsRegion": "us-east-1",
         "sourceIPAddress": "203.0.113.40", "userAgent": "aws-cli/2.15.0",
         "userIdentity": {"type": "AssumedRole",
                          "arn": "arn:aws:sts::111122223333:assumed-role/ci-deploy/ci",
                          "accountId": "111122223333"},
         "responseElements": None, "eventID": event_id or str(uuid.uuid4()),
         "eventType": "AwsApiCall", "recipientAccountId": "111122223333"}
    if error_code:
        r["errorCode"] = error_code
        r["errorMessage"] = "User is not authorized"
    return r


def alarm(state, name="api-5xx"):
    return json.dumps({
        "AlarmName": name, "AlarmDescription": None, "AWSAccountId": "111122223333",
        "NewStateValue": state, "NewStateReason": "Threshold Crossed",
        "StateChangeTime": time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime()),
        "Region": "US East (N. Virginia)",
        "AlarmArn": "arn:aws:cloudwatch:us-east-1:111122223333:alarm:" + name,
        "OldStateValue": "OK",
        "Trigger": {"MetricName": "HTTPCode_Target_5XX_Count", "Namespace": "AWS/ApplicationELB",
                    "Dimensions": [{"name": "LoadBalancer", "value": "app/api/0f1e2d3c"}],
                    "Threshold": 10.0}})


def notification(message, message_id=None):
    return {"Type": "Notification", "MessageId": message_id or str(uuid.uuid4()),
            "TopicArn": TOPIC, "Subject": "ALARM: \"api-5xx\" in US East (N. Virginia)",
            "Message": message, "Timestamp": rfc3339(time.time()), "SigningCertURL": CERT_URL,
            "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe"}


def members_named(d, alertname):
    out = []
    for inc in d.incidents():
        for m in d.incident(inc["id"])["members"]:
            if m["labels"].get("alertname") == alertname:
                out.append((inc, m))
    return out


class AwsTest(DaemonTestCase):
    def start_aws(self, **sns):
        certs = self.make_workdir()
        self.key = make_cert(certs, CERT_NAME)
        self.other_key = make_cert(self.make_workdir(), CERT_NAME)
        return self.start_daemon({"sources": {"sns": {"signing_certs": certs, **sns}}})

    def post_sns(self, d, body, content_type="text/plain; charset=UTF-8"):
        if not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        return d.request("POST", "/api/v1/ingest/sns", body=body,
                         headers={"Content-Type": content_type,
                                  "x-amz-sns-message-type": "Notification"})

    def test_cloudtrail_files_gzip_and_eventbridge(self):
        d = self.start_aws()
        plain = {"Records": [record(), record(error_code=None)]}
        r = d.post("/api/v1/ingest/cloudtrail", plain)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"accepted": 1})
        self.assertEqual(metric_sum(d.metrics(), "alertd_cloudtrail_records_ignored_total"), 1)

        packed = gzip.compress(json.dumps({"Records": [record(name="PutUserPolicy")]}).encode())
        r = d.request("POST", "/api/v1/ingest/cloudtrail", body=packed,
                      headers={"Content-Type": "application/octet-stream",
                               "Content-Encoding": "gzip"})
        self.assertEqual(r.json(), {"accepted": 1}, r)

        event = {"version": "0", "id": str(uuid.uuid4()),
                 "detail-type": "AWS API Call via CloudTrail", "source": "aws.iam",
                 "account": "111122223333", "time": rfc3339(time.time()),
                 "region": "us-east-1", "resources": [], "detail": record(name="CreateAccessKey")}
        self.assertEqual(d.post("/api/v1/ingest/cloudtrail", event).json(), {"accepted": 1})
        # The same eventID again (a re-delivered log file): answered, not offered.
        again = {"Records": [dict(event["detail"])]}
        self.assertEqual(d.post("/api/v1/ingest/cloudtrail", again).json(), {"accepted": 0})
        self.assertEqual(metric_sum(d.metrics(), "alertd_ingest_redeliveries_total",
                                    source="cloudtrail"), 1)

        names = d.wait_for(lambda: (lambda s: len(s) == 3 and s)(
            {m["labels"]["eventName"] for _, m in members_named(d, "CloudTrailError")}),
            what="3 CloudTrailError members")
        self.assertEqual(names, {"DeleteRolePolicy", "PutUserPolicy", "CreateAccessKey"})
        _, m = members_named(d, "CloudTrailError")[0]
        self.assertEqual(m["labels"]["principal"],
                         "arn:aws:sts::111122223333:assumed-role/ci-deploy/ci")
        self.assertEqual(metric_sum(d.metrics(), "alertd_alerts_received_total",
                                    source="cloudtrail"), 3)

        bad = d.post("/api/v1/ingest/cloudtrail", '{"Records":[{"eventName":')
        self.assertEqual(bad.status, 400)
        self.assertEqual(bad.json()["error"], "invalid_json")
        bomb = gzip.compress(b'{"Records":[' + b" " * (12 << 20) + b"]}")
        r = d.request("POST", "/api/v1/ingest/cloudtrail", body=bomb)
        self.assertEqual(r.status, 413, r)
        self.assertEqual(r.json()["error"], "body_too_large")

    def test_sns_cloudwatch_alarm_then_ok(self):
        d = self.start_aws()
        r = self.post_sns(d, sign(notification(alarm("ALARM")), self.key, "1"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"accepted": 1})
        inc, m = d.wait_for(lambda: members_named(d, "api-5xx"), what="alarm incident")[0]
        self.assertEqual(inc["status"], "open")
        self.assertEqual(m["labels"]["region"], "us-east-1")
        self.assertEqual(m["labels"]["LoadBalancer"], "app/api/0f1e2d3c")

        ok = sign(notification(alarm("OK")), self.key, "2")
        self.assertEqual(self.post_sns(d, ok).status, 200)
        # SNS re-sends on a timeout: the same MessageId is taken once.
        r = self.post_sns(d, ok)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), {"accepted": 0, "redelivered": True})
        d.wait_for(lambda: d.incident(inc["id"])["status"] == "resolved", what="resolved")
        samples = d.metrics()
        self.assertEqual(metric_sum(samples, "alertd_alerts_received_total", source="cloudwatch"), 2)
        self.assertEqual(metric_sum(samples, "alertd_ingest_redeliveries_total", source="sns"), 1)

    def test_sns_cloudtrail_record_pointer_and_bad_signatures(self):
        d = self.start_aws()
        r = self.post_sns(d, sign(notification(json.dumps(record())), self.key))
        self.assertEqual(r.json(), {"accepted": 1}, r)
        pointer = json.dumps({"s3Bucket": "trail", "s3ObjectKey": ["AWSLogs/x.json.gz"]})
        r = self.post_sns(d, sign(notification(pointer), self.key), "application/json")
        self.assertEqual(r.json(), {"accepted": 0}, r)

        tampered = sign(notification(alarm("ALARM", "tampered")), self.key)
        tampered["Message"] = alarm("ALARM", "tampered-too")
        wrong_cert = sign(notification(alarm("ALARM", "wrong")), self.other_key)
        off_list = sign(dict(notification(alarm("ALARM", "off")),
                             SigningCertURL="https://evil.example.com/" + CERT_NAME), self.key)
        plain_http = sign(dict(notification(alarm("ALARM", "http")),
                               SigningCertURL="http://sns.us-east-1.amazonaws.com/" + CERT_NAME),
                          self.key)
        unsigned = notification(alarm("ALARM", "unsigned"))
        raw = alarm("ALARM", "raw")
        for body, reason in [(tampered, "bad_signature"), (wrong_cert, "bad_signature"),
                             (off_list, "cert_host_not_allowed"),
                             (plain_http, "cert_url_not_https"), (unsigned, "unsigned"),
                             (raw, "unsigned")]:
            r = self.post_sns(d, body)
            self.assertEqual(r.status, 403, (reason, r))
            self.assertEqual(r.json()["error"], reason)
        samples = d.metrics()
        self.assertEqual(metric_sum(samples, "alertd_sns_signature_failures_total"), 6)
        self.assertEqual(metric_sum(samples, "alertd_sns_signature_failures_total",
                                    reason="bad_signature"), 2)
        self.assertEqual(metric_sum(samples, "alertd_alerts_received_total", source="cloudwatch"), 0)

        confirm = sign({"Type": "SubscriptionConfirmation", "MessageId": str(uuid.uuid4()),
                        "Token": "t0k", "TopicArn": TOPIC, "Message": "confirm it",
                        "SubscribeURL": "https://evil.example.com/?Action=ConfirmSubscription",
                        "Timestamp": rfc3339(time.time()), "SigningCertURL": CERT_URL}, self.key)
        r = self.post_sns(d, confirm)
        self.assertEqual(r.status, 403, r)
        self.assertEqual(metric_sum(d.metrics(), "alertd_sns_subscriptions_total",
                                    outcome="host_not_allowed"), 1)
        self.assertEqual(self.post_sns(d, '{"Type":"Notification"').status, 400)

    def test_raw_delivery_when_verify_is_off(self):
        d = self.start_aws(verify=False)
        r = self.post_sns(d, alarm("ALARM", "raw-alarm"))
        self.assertEqual(r.json(), {"accepted": 1}, r)
        self.assertIn("sources.sns.verify is false", d.stderr_text())
        d.wait_for(lambda: members_named(d, "raw-alarm"), what="raw alarm incident")


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_server_cert(directory, ca=None):
    """A key and certificate for localhost: signed by `ca` (key, cert), else self-signed."""
    key, cert = os.path.join(directory, "srv.key"), os.path.join(directory, "srv.pem")
    ext = os.path.join(directory, "ext.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost\n")
    if ca is None:
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                "-subj", "/CN=localhost", "-days", "2", "-addext", "subjectAltName=DNS:localhost")
        return key, cert
    csr = os.path.join(directory, "srv.csr")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
            "-subj", "/CN=localhost")
    openssl("x509", "-req", "-in", csr, "-CA", ca[1], "-CAkey", ca[0], "-CAcreateserial",
            "-out", cert, "-days", "2", "-extfile", ext)
    return key, cert


class CertHost:
    """An HTTPS server on 127.0.0.1 that plays sns.<region>.amazonaws.com:
    GET /<name>.pem serves `pem` (or answers `status`), GET /?Action=... is a
    subscription confirmation. It records every GET's path."""

    def __init__(self, key, cert, pem):
        self.pem, self.status, self.gets = pem, 200, []
        host = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                host.gets.append(self.path)
                is_cert = self.path.endswith(".pem")
                status = host.status if is_cert else 200
                body = (host.pem if is_cert else "<ConfirmSubscriptionResponse/>").encode()
                self.send_response(status)
                if status in (301, 302):
                    self.send_header("Location", host.url("elsewhere.pem"))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"https://localhost:{self.server.server_address[1]}/{path}"

    def cert_gets(self):
        return [p for p in self.gets if p.endswith(".pem")]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class SnsCertFetchTest(DaemonTestCase):
    """No signing_certs: the certificate is fetched from an allow-listed host."""

    def setUp(self):
        super().setUp()
        pki = self.make_workdir()
        self.ca = (os.path.join(pki, "ca.key"), os.path.join(pki, "ca.pem"))
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.ca[0],
                "-out", self.ca[1], "-subj", "/CN=alertd test CA", "-days", "2")
        self.key = make_cert(pki, "SimpleNotificationService-x.pem")
        with open(os.path.join(pki, "SimpleNotificationService-x.pem")) as f:
            self.signing_pem = f.read()
        self.host = self.cert_host(make_server_cert(self.make_workdir(), self.ca))

    def cert_host(self, key_and_cert, pem=None):
        host = CertHost(*key_and_cert, pem or self.signing_pem)
        self.addCleanup(host.close)
        return host

    def start(self):
        return self.start_daemon({"sources": {"sns": {
            "cert_hosts": ["localhost"], "subscribe_hosts": ["localhost"],
            "ca_file": self.ca[1]}}})

    def signed(self, message, host=None, **fields):
        body = dict(notification(message), **fields)
        body["SigningCertURL"] = (host or self.host).url("SimpleNotificationService-x.pem")
        return sign(body, self.key)

    def post(self, d, body):
        return d.request("POST", "/api/v1/ingest/sns", body=json.dumps(body),
                         headers={"Content-Type": "text/plain; charset=UTF-8"})

    def test_fetched_once_then_cached_and_a_failed_fetch_loses_nothing(self):
        self.host.status = 500
        d = self.start()
        first = self.signed(alarm("ALARM", "fetched-a"))
        r = self.post(d, first)
        self.assertEqual(r.status, 502, r)
        self.assertEqual(r.json()["error"], "cert_fetch_failed")
        self.assertIn("retry-after", r.headers)
        self.assertEqual(metric_sum(d.metrics(), "alertd_sns_cert_fetches_total",
                                    outcome="failed"), 1)

        self.host.status = 200  # the host is back; SNS retries the same message
        r = self.post(d, first)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"accepted": 1})
        r = self.post(d, self.signed(alarm("ALARM", "fetched-b")))
        self.assertEqual(r.json(), {"accepted": 1}, r)
        # Two GETs in all: the failed one and one for both later deliveries.
        self.assertEqual(len(self.host.cert_gets()), 2)
        d.wait_for(lambda: members_named(d, "fetched-a") and members_named(d, "fetched-b"),
                   what="both alarms")

        tampered = self.signed(alarm("ALARM", "tampered"))
        tampered["Message"] = alarm("ALARM", "tampered-too")
        r = self.post(d, tampered)
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.json()["error"], "bad_signature")
        samples = d.metrics()
        self.assertEqual(metric_sum(samples, "alertd_sns_cert_fetches_total",
                                    outcome="fetched"), 1)
        self.assertEqual(metric_sum(samples, "alertd_sns_cert_fetches_total", outcome="busy"), 0)
        self.assertEqual(metric_sum(samples, "alertd_sns_signature_failures_total",
                                    reason="bad_signature"), 1)
        self.assertEqual(metric_sum(samples, "alertd_alerts_received_total",
                                    source="cloudwatch"), 2)

    def test_subscription_confirmed_on_the_test_host(self):
        d = self.start()
        subscribe = self.host.url("?Action=ConfirmSubscription&TopicArn=" + TOPIC +
                                  "&Token=t0k3n-42")
        confirm = sign({"Type": "SubscriptionConfirmation", "MessageId": str(uuid.uuid4()),
                        "Token": "t0k3n-42", "TopicArn": TOPIC, "Message": "confirm it",
                        "SubscribeURL": subscribe, "Timestamp": rfc3339(time.time()),
                        "SigningCertURL": self.host.url("SimpleNotificationService-x.pem")},
                       self.key)
        r = self.post(d, confirm)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"confirmed": True})
        self.assertTrue(any("Action=ConfirmSubscription" in p and "Token=t0k3n-42" in p
                            for p in self.host.gets), self.host.gets)
        self.assertEqual(metric_sum(d.metrics(), "alertd_sns_subscriptions_total",
                                    outcome="confirmed"), 1)

    def test_an_untrusted_host_a_redirect_a_big_body_or_no_certificate(self):
        rogue = self.cert_host(make_server_cert(self.make_workdir()))  # not signed by ca_file
        junk = self.cert_host(make_server_cert(self.make_workdir(), self.ca), pem="<html/>")
        d = self.start()
        r = self.post(d, self.signed(alarm("ALARM", "rogue"), host=rogue))
        self.assertEqual(r.status, 502, r)
        self.assertEqual(r.json()["error"], "cert_fetch_failed")
        self.assertIn("certificate", r.json()["detail"])  # curl: the peer did not verify
        self.assertEqual(rogue.gets, [])  # TLS failed before any request
        r = self.post(d, self.signed(alarm("ALARM", "junk"), host=junk))
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.json()["error"], "bad_certificate")
        # No redirects are followed, and a certificate is at most 64 KiB.
        junk.status = 302
        r = self.post(d, self.signed(alarm("ALARM", "moved"), host=junk))
        self.assertEqual((r.status, r.json()["error"]), (502, "cert_fetch_failed"), r)
        self.assertIn("302", r.json()["detail"])
        junk.status, junk.pem = 200, self.signing_pem + " " * (64 << 10)
        r = self.post(d, self.signed(alarm("ALARM", "big"), host=junk))
        self.assertEqual((r.status, r.json()["error"]), (502, "cert_fetch_failed"), r)
        self.assertIn("longer than 65536 bytes", r.json()["detail"])
        self.assertEqual(len(junk.cert_gets()), 3)
        # A host off cert_hosts is refused before any fetch.
        off_list = self.signed(alarm("ALARM", "off"))
        off_list["SigningCertURL"] = off_list["SigningCertURL"].replace("localhost", "127.0.0.1")
        r = self.post(d, sign(off_list, self.key))
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.json()["error"], "cert_host_not_allowed")
        self.assertEqual(self.host.gets, [])
        samples = d.metrics()
        self.assertEqual(metric_sum(samples, "alertd_sns_cert_fetches_total",
                                    outcome="failed"), 4)
        self.assertEqual(metric_sum(samples, "alertd_sns_signature_failures_total",
                                    reason="bad_certificate"), 1)
        self.assertEqual(metric_sum(samples, "alertd_alerts_received_total",
                                    source="cloudwatch"), 0)


if __name__ == "__main__":
    unittest.main()
