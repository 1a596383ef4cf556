#include "sinks/notify/mail.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>

namespace alertd::sinks::notify {

namespace {

constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  for (size_t i = 0; i < data.size(); i += 3) {
    const size_t n = std::min<size_t>(3, data.size() - i);
    uint32_t v = static_cast<uint8_t>(data[i]) << 16;
    if (n > 1) v |= static_cast<uint8_t>(data[i + 1]) << 8;
    if (n > 2) v |= static_cast<uint8_t>(data[i + 2]);
    out.push_back(kBase64[(v >> 18) & 63]);
    out.push_back(kBase64[(v >> 12) & 63]);
    out.push_back(n > 1 ? kBase64[(v >> 6) & 63] : '=');
    out.push_back(n > 2 ? kBase64[v & 63] : '=');
  }
  return out;
}

bool printable_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// Header values come from the config and the header-escaped template
// output; a line break left in one would start a header of its own.
std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\r' || c == '\n' || c == '\0') c = ' ';
  }
  return out;
}

std::string_view domain_of(std::string_view address) {
  const size_t at = address.rfind('@');
  return at == std::string_view::npos ? std::string_view("alertd") : address.substr(at + 1);
}

// The Message-ID's left part may hold only atext; incident ids (INC-12) do.
std::string id_part(std::string_view text) {
  std::string out;
  for (char c : text) {
    const bool atext = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '.' || c == '_';
    if (atext) out.push_back(c);
  }
  return out;
}

// Text in MIME's canonical form (RFC 2045 §6.4: lines end in CRLF before
// base64), whatever line ends the template wrote.
std::string crlf_lines(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' || text[i] == '\n') {
      out += "\r\n";
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

void append_part(std::string& out, std::string_view boundary, std::string_view type,
                 std::string_view content) {
  out += fmt::format("--{}\r\nContent-Type: {}; charset=utf-8\r\n", boundary, type);
  out += "Content-Transfer-Encoding: base64\r\n\r\n";
  out += base64_lines(crlf_lines(content));
}

}  // namespace

bool plain_address(std::string_view address) {
  if (address.empty() || address.size() > 254) return false;
  const size_t at = address.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == address.size()) return false;
  if (address.find('@', at + 1) != std::string_view::npos) return false;
  return std::none_of(address.begin(), address.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' ||
           c == ';' || c == '"' || c == '(' || c == ')' || c == '\\';
  });
}

std::optional<std::vector<std::string>> mail_recipients(const EmailReceiver& receiver,
                                                        const Message& message) {
  std::vector<std::string> out;
  auto add = [&](const std::string& address) {
    if (!plain_address(address)) return false;
    if (std::find(out.begin(), out.end(), address) == out.end()) out.push_back(address);
    return true;
  };
  for (const auto& address : receiver.to) {
    if (!add(address)) return std::nullopt;
  }
  for (const auto& address : message.extra_to) {
    if (!add(address)) return std::nullopt;
  }
  return out;
}

std::string rfc5322_date(core::TimePoint t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t seconds =
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} +0000", kDays[tm.tm_wday], tm.tm_mday,
                     kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string encode_header_text(std::string_view text) {
  if (printable_ascii(text)) return std::string(text);
  // Each encoded word stays under RFC 2047's 75 characters and holds whole
  // UTF-8 characters, so no client shows a broken character at a fold.
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = std::min(text.size(), i + 45);
    while (end < text.size() && end > i && (static_cast<uint8_t>(text[end]) & 0xc0) == 0x80) {
      --end;
    }
    if (end == i) end = std::min(text.size(), i + 45);
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(text.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string base64_lines(std::string_view data) {
  const std::string encoded = base64(data);
  std::string out;
  out.reserve(encoded.size() + encoded.size() / 76 * 2 + 2);
  for (size_t i = 0; i < encoded.size(); i += 76) {
    out.append(encoded, i, 76);
    out += "\r\n";
  }
  return out;
}

std::string mime_message(const EmailReceiver& receiver, const Message& message,
                         const std::vector<std::string>& recipients, core::TimePoint now) {
  // "=_" cannot occur in base64 text, so the boundary never appears in a part.
  const std::string boundary = fmt::format("=_alertd_{}", message.id);
  std::string to;
  for (const auto& address : recipients) {
    if (!to.empty()) to += ", ";
    to += address;
  }
  std::string out;
  out += "Date: " + rfc5322_date(now) + "\r\n";
  out += "From: " + one_line(receiver.from) + "\r\n";
  out += "To: " + one_line(to) + "\r\n";
  out += "Subject: " + encode_header_text(one_line(message.subject)) + "\r\n";
  out += fmt::format("Message-ID: <alertd.{}.{}@{}>\r\n", message.id, id_part(message.incident_id),
                     id_part(domain_of(receiver.from)));
  out += "MIME-Version: 1.0\r\n";
  out += fmt::format("Content-Type: multipart/alternative; boundary=\"{}\"\r\n\r\n", boundary);
  append_part(out, boundary, "text/plain", message.text);
  append_part(out, boundary, "text/html", message.html);
  out += fmt::format("--{}--\r\n", boundary);
  return out;
}

}  // namespace alertd::sinks::notify
