// Email through a real SMTP server: tests/support/smtp_sink.py (Debian's
// python3-aiosmtpd) on a free port, which decodes what it got with
// Python's email package. Also the MIME message itself, and what the
// transport refuses before connecting.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "sinks/notify/mail.h"
#include "sinks/notify/retry.h"
#include "sinks/notify/transport.h"

extern char** environ;

namespace alertd::sinks::notify {
namespace {

namespace fs = std::filesystem;

// smtp_sink.py as a child process: its port, and the messages it wrote.
class SmtpSink {
 public:
  explicit SmtpSink(std::vector<std::string> extra_args = {}) {
    char dir_template[] = "/tmp/alertd-smtp-XXXXXX";
    dir_ = mkdtemp(dir_template);
    int out[2], in[2];
    EXPECT_EQ(pipe(out), 0);
    EXPECT_EQ(pipe(in), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    std::vector<std::string> args = {"/usr/bin/python3", ALERTD_SMTP_SINK, dir_.string()};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    EXPECT_EQ(posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    stdin_ = in[1];  // kept open: the sink exits when it closes
    FILE* f = fdopen(out[0], "r");
    EXPECT_EQ(fscanf(f, "PORT %d", &port_), 1) << "smtp_sink.py did not start";
    fclose(f);
  }
  ~SmtpSink() {
    kill(pid_, SIGTERM);
    close(stdin_);
    waitpid(pid_, nullptr, 0);
    fs::remove_all(dir_);
  }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  // The n-th message's JSON record (1-based), waiting for it to be written.
  std::string record(int n) const {
    const fs::path path = dir_ / (std::to_string(n) + ".json");
    for (int i = 0; i < 2000 && !fs::exists(path); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  size_t message_count() const {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir_)) n += e.path().extension() == ".json";
    return n;
  }

 private:
  fs::path dir_;
  pid_t pid_ = 0;
  int port_ = 0;
  int stdin_ = -1;
};

const core::TimePoint kNow = core::from_unix_millis(1'796'420'085'000);  // 2026-12-04T21:34:45Z

Message mail() {
  Message m;
  m.id = 42;
  m.receiver = "mail";
  m.incident_id = "INC-42";
  m.subject = "[P1] Datenbank überlastet — INC-42";
  m.text = "INC-42 opened\nservice: db\n";
  m.html = "<p><b>INC-42</b> opened</p>";
  m.extra_to = {"oncall@example.com", "ops@example.com"};
  return m;
}

EmailReceiver receiver(std::string url) {
  EmailReceiver r;
  r.smtp_url = std::move(url);
  r.from = "alertd@example.com";
  r.to = {"ops@example.com", "db@example.com"};
  r.starttls = false;  // the local sink speaks plain SMTP
  return r;
}

SendResult send(const EmailReceiver& r, const Message& m = mail()) {
  const core::ManualClock clock(kNow);
  return send_message(Receiver{"mail", r}, m, TransportOptions{}, clock);
}

TEST(NotifyEmail, ArrivesAsMultipartTextAndHtml) {
  SmtpSink sink;
  const SendResult sent = send(receiver(sink.url()));
  ASSERT_TRUE(sent.delivered()) << sent.detail;
  EXPECT_EQ(sent.status, 250);
  simdjson::dom::parser parser;
  const std::string json = sink.record(1);
  simdjson::dom::element r = parser.parse(json);
  EXPECT_EQ(std::string_view(r["mail_from"]), "alertd@example.com");
  std::vector<std::string_view> rcpt;
  simdjson::dom::array rcpts = r["rcpt_tos"];
  for (auto v : rcpts) rcpt.push_back(std::string_view(v));
  EXPECT_EQ(rcpt, (std::vector<std::string_view>{"ops@example.com", "db@example.com",
                                                 "oncall@example.com"}));
  simdjson::dom::element headers = r["headers"];
  EXPECT_EQ(std::string_view(headers["From"]), "alertd@example.com");
  EXPECT_EQ(std::string_view(headers["To"]), "ops@example.com, db@example.com, oncall@example.com");
  EXPECT_EQ(std::string_view(headers["Subject"]), "[P1] Datenbank überlastet — INC-42");
  EXPECT_EQ(std::string_view(headers["Date"]), "Fri, 04 Dec 2026 21:34:45 +0000");
  EXPECT_EQ(std::string_view(headers["Message-ID"]), "<alertd.42.INC-42@example.com>");
  EXPECT_EQ(std::string_view(r["content_type"]), "multipart/alternative");
  simdjson::dom::array parts = r["parts"];
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(std::string_view(parts.at(0)["content_type"]), "text/plain");
  // In MIME's canonical form: CRLF line ends.
  EXPECT_EQ(std::string_view(parts.at(0)["content"]), "INC-42 opened\r\nservice: db\r\n");
  EXPECT_EQ(std::string_view(parts.at(1)["content_type"]), "text/html");
  EXPECT_EQ(std::string_view(parts.at(1)["content"]), "<p><b>INC-42</b> opened</p>");
}

TEST(NotifyEmail, StartTlsIsRequiredByDefault) {
  SmtpSink sink;  // offers no STARTTLS
  EmailReceiver r = receiver(sink.url());
  r.starttls = true;
  const SendResult sent = send(r);
  EXPECT_EQ(sent.error, SendError::tls_error) << sent.detail;
  EXPECT_FALSE(retryable(sent));
  EXPECT_EQ(sink.message_count(), 0u);
}

TEST(NotifyEmail, PlainSmtpOnlyToALoopbackServer) {
  const SendResult sent = send(receiver("smtp://mail.example.com:25"));
  EXPECT_EQ(sent.error, SendError::tls_error);
  EXPECT_NE(sent.detail.find("loopback"), std::string::npos);
}

TEST(NotifyEmail, ATransientRefusalIsRetryable) {
  SmtpSink sink({"--data-reply", "451 4.3.0 try again later"});
  const SendResult sent = send(receiver(sink.url()));
  EXPECT_EQ(sent.error, SendError::smtp_error) << sent.detail;
  EXPECT_EQ(sent.status, 451);
  EXPECT_TRUE(retryable(sent));
  SmtpSink permanent({"--data-reply", "554 5.7.1 rejected"});
  const SendResult refused = send(receiver(permanent.url()));
  EXPECT_EQ(refused.status, 554);
  EXPECT_FALSE(retryable(refused));
}

TEST(NotifyEmail, AddressesThatCouldInjectAreRefused) {
  EmailReceiver r = receiver("smtp://127.0.0.1:1");
  Message m = mail();
  m.extra_to = {"a@example.com>\r\nRCPT TO:<b@example.com"};
  EXPECT_EQ(send(r, m).error, SendError::other);
  EXPECT_FALSE(mail_recipients(r, m).has_value());
  EXPECT_FALSE(plain_address("Alice <a@example.com>"));
  EXPECT_FALSE(plain_address("a@b@c"));
  EXPECT_FALSE(plain_address("@example.com"));
  EXPECT_TRUE(plain_address("first.last+tag@example.co.uk"));
}

TEST(NotifyEmail, MimeMessageShape) {
  const EmailReceiver r = receiver("smtp://127.0.0.1:1");
  Message m = mail();
  m.subject = "line\r\nBcc: evil@example.com";
  const std::string text = mime_message(r, m, {"ops@example.com"}, kNow);
  EXPECT_NE(text.find("Subject: line  Bcc: evil@example.com\r\n"), std::string::npos);
  EXPECT_EQ(text.find("\r\nBcc:"), std::string::npos);
  EXPECT_NE(text.find("Content-Type: multipart/alternative; boundary=\"=_alertd_42\"\r\n"),
            std::string::npos);
  EXPECT_LT(text.find("text/plain"), text.find("text/html"));
  EXPECT_NE(text.find("\r\n--=_alertd_42--\r\n"), std::string::npos);
  for (size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 1)) {
    ASSERT_EQ(text[at - 1], '\r') << "a bare LF at " << at;
  }
  EXPECT_EQ(encode_header_text("plain"), "plain");
  EXPECT_EQ(encode_header_text("é"), "=?UTF-8?B?w6k=?=");
  EXPECT_EQ(base64_lines(std::string(57, 'a')).size(), 76u + 2);
}

}  // namespace
}  // namespace alertd::sinks::notify
