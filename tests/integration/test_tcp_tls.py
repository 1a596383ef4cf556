"""TLS on the TCP NDJSON listener (sources.tcp.tls) and on the HTTP listener
(http.tls), with certificates the test makes with the openssl CLI: lines
over TLS are taken, a plain-TCP client fails the handshake and is counted,
a certificate swapped on disk is served to new handshakes after a reload
(SIGHUP), a bad new file keeps the running certificate, and client
certificates let a listener run under auth."""

import os
import re
import signal
import socket
import ssl
import subprocess
import textwrap

import http.client

from harness import Daemon, DaemonTestCase, metric_sum
from test_tcp import BOUND_RE, line, read_until_closed


def make_cert(directory, name, cn):
    """A self-signed EC certificate for 127.0.0.1: (cert path, key path)."""
    cert, key = os.path.join(directory, f"{name}.crt"), os.path.join(directory, f"{name}.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", f"/CN={cn}", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def served_cert(port, cafile=None, client=None):
    """DER of the certificate the daemon serves (verification off)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if client:
        ctx.load_cert_chain(*client)
    with socket.create_connection(("127.0.0.1", port), timeout=15) as raw:
        with ctx.wrap_socket(raw) as s:
            return s.getpeercert(binary_form=True)


def der_of(cert_path):
    with open(cert_path) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


class TcpTlsTest(DaemonTestCase):
    def start_tls(self, workdir, cert, key, extra="", client_ca=None, tcp_extra=""):
        ca_line = f"      client_ca_file: {client_ca}\n" if client_ca else ""
        cfg = extra + textwrap.dedent(f"""\
            sources:
              tcp:
                listen: 127.0.0.1:0
                {tcp_extra}
                tls:
                  cert_file: {cert}
                  key_file: {key}
            """) + ca_line
        d = self.start_daemon(cfg, workdir=workdir)
        m = d.wait_for(lambda: BOUND_RE.search(d.read_log()), what="the TCP listener's address")
        d.tcp_port = int(m.group(1))
        return d

    def send_tls(self, d, cafile, payload, client=None):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(cafile)  # the daemon's certificate, checked for 127.0.0.1
        if client:
            ctx.load_cert_chain(*client)
        with socket.create_connection(("127.0.0.1", d.tcp_port), timeout=15) as raw:
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
                s.sendall(payload)
                s.shutdown(socket.SHUT_WR)
                read_until_closed(s)

    def received(self, d):
        return metric_sum(d.metrics(), "alertd_alerts_received_total")

    def test_lines_over_tls_and_a_plain_client_refused(self):
        work = self.make_workdir()
        cert, key = make_cert(work, "a", "alertd-a")
        d = self.start_tls(work, cert, key)
        self.send_tls(d, cert, (line(1) + line(2) + line(3)).encode())
        d.wait_for(lambda: self.received(d) == 3, what="3 alerts over TLS")
        with socket.create_connection(("127.0.0.1", d.tcp_port), timeout=15) as plain:
            plain.sendall(line(4).encode())
            self.assertTrue(read_until_closed(plain), "a plain client is closed")
        d.wait_for(lambda: metric_sum(d.metrics(),
                                      "alertd_tcp_tls_handshake_failures_total") == 1,
                   what="the failed handshake counted")
        self.assertEqual(self.received(d), 3)
        self.assertIn("TLS handshake failed", d.read_log())

    def test_a_client_that_never_starts_the_handshake_is_closed(self):
        work = self.make_workdir()
        cert, key = make_cert(work, "a", "alertd-a")
        d = self.start_tls(work, cert, key, tcp_extra="handshake_timeout: 1s")
        with socket.create_connection(("127.0.0.1", d.tcp_port), timeout=15) as silent:
            self.assertTrue(read_until_closed(silent), "the silent client is closed")
        self.assertEqual(metric_sum(d.metrics(), "alertd_tcp_connections_timed_out_total",
                                    phase="handshake"), 1)
        self.assertEqual(metric_sum(d.metrics(), "alertd_tcp_tls_handshake_failures_total"), 0)
        d.wait_for(lambda: "TLS handshake not done within sources.tcp.handshake_timeout"
                   in d.read_log(), what="the handshake timeout logged")
        self.send_tls(d, cert, line(1).encode())  # a real client still gets through
        d.wait_for(lambda: self.received(d) == 1, what="1 alert over TLS")

    def test_swapped_certificate_is_served_after_sighup_and_a_bad_one_is_not(self):
        work = self.make_workdir()
        cert, key = make_cert(work, "live", "alertd-old")
        new_cert, new_key = make_cert(work, "new", "alertd-new")
        d = self.start_tls(work, cert, key)
        self.assertEqual(served_cert(d.tcp_port), der_of(cert))
        old_der = der_of(cert)
        os.replace(new_cert, cert)
        os.replace(new_key, key)
        d.proc.send_signal(signal.SIGHUP)
        d.wait_for(lambda: "sources.tcp.tls: certificate reloaded" in d.read_log(),
                   what="the reload of the certificate")
        served = served_cert(d.tcp_port)
        self.assertEqual(served, der_of(cert))
        self.assertNotEqual(served, old_der)
        # A broken file: the reload says so and the running certificate stays.
        with open(cert, "w") as f:
            f.write("not a certificate\n")
        r = d.post("/-/reload", b"")
        self.assertIn("the running certificate stays", r.body.decode())
        self.assertEqual(served_cert(d.tcp_port), served)
        self.send_tls(d, self._pem_file(work, served), line(1).encode())
        d.wait_for(lambda: self.received(d) == 1, what="lines still taken")

    def _pem_file(self, work, der):
        path = os.path.join(work, "served.pem")
        with open(path, "w") as f:
            f.write(ssl.DER_cert_to_PEM_cert(der))
        return path

    def test_client_certificates_let_the_listener_run_under_auth(self):
        work = self.make_workdir()
        cert, key = make_cert(work, "server", "alertd")
        client = make_cert(work, "client", "forwarder-1")
        auth = textwrap.dedent("""\
            auth:
              tokens:
                - {token: "admin-0123456789abcdef0123456789abcdef", role: admin, name: ops}
            """)
        d = self.start_tls(work, cert, key, extra=auth, client_ca=client[0])
        self.assertIn("TLS, client certificates required", d.read_log())
        self.send_tls(d, cert, line(1).encode(), client=client)
        try:  # TLS 1.3: the refusal may come after the client's side of the handshake
            self.send_tls(d, cert, line(2).encode())  # no client certificate
        except (ssl.SSLError, OSError):
            pass
        headers = {"Authorization": "Bearer admin-0123456789abcdef0123456789abcdef"}

        def metric(series):
            text = d.request("GET", "/metrics", headers=headers).body.decode()
            m = re.search(rf"^{re.escape(series)} (\S+)$", text, re.M)
            return float(m.group(1)) if m else None
        d.wait_for(lambda: metric("alertd_tcp_tls_handshake_failures_total") == 1,
                   what="the client without a certificate refused")
        self.assertIn("peer did not return a certificate", d.read_log())
        self.assertEqual(metric('alertd_alerts_received_total{source="generic"}'), 1)


class HttpTlsTest(DaemonTestCase):
    def test_https_serves_the_api_and_a_reloaded_certificate(self):
        work = self.make_workdir()
        cert, key = make_cert(work, "http", "alertd-http-old")
        new_cert, new_key = make_cert(work, "http-new", "alertd-http-new")
        cfg = textwrap.dedent(f"""\
            http:
              tls:
                cert_file: {cert}
                key_file: {key}
            """)
        d = Daemon(work, cfg)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(cert)
        d.tls_context = ctx
        self._daemons.append(d)
        self.addCleanup(d.kill)
        d.start()  # /-/ready answered over HTTPS, the certificate checked for 127.0.0.1
        self.assertIn("listening on https://", d.read_log())
        d.post_events({"labels": {"alertname": "OverHttps", "service": "tls"}})
        d.wait_for(lambda: metric_sum(d.metrics(), "alertd_alerts_received_total") == 1,
                   what="the alert over HTTPS")
        plain = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
        with self.assertRaises((http.client.HTTPException, OSError)):
            plain.request("GET", "/-/healthy")
            plain.getresponse()
        plain.close()
        old_der = served_cert(d.port)
        self.assertEqual(old_der, der_of(cert))
        os.replace(new_cert, cert)
        os.replace(new_key, key)
        d.proc.send_signal(signal.SIGHUP)
        d.wait_for(lambda: "http.tls: certificate reloaded" in d.read_log(),
                   what="the reload of the HTTP certificate")
        self.assertEqual(served_cert(d.port), der_of(cert))
        self.assertNotEqual(served_cert(d.port), old_der)
        d.tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        d.tls_context.load_verify_locations(cert)
        self.assertEqual(d.get("/-/healthy").status, 200)
        d.stop()
