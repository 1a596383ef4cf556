#pragma once
// The email a message becomes: an RFC 5322 message with a
// multipart/alternative body (text, then HTML, so clients that can show
// HTML do), every line ending in CRLF as SMTP wants. Pure: the transport
// (transport.cc) hands the result to libcurl's SMTP upload.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "sinks/notify/message.h"
#include "sinks/notify/receiver.h"

namespace alertd::sinks::notify {

/// The receiver's `to` and then message.extra_to, each address once, in
/// that order. Empty when an address is not a plain addr-spec (no spaces,
/// angle brackets, commas or control characters, one '@'): a config or
/// people entry that could inject recipients or headers sends nothing.
std::optional<std::vector<std::string>> mail_recipients(const EmailReceiver& receiver,
                                                        const Message& message);

/// Whether `address` is a plain addr-spec as mail_recipients() requires.
bool plain_address(std::string_view address);

/// The whole message: Date, From, To, Subject (RFC 2047 encoded when not
/// ASCII), Message-ID (the same for every attempt of one message, so a
/// client can tell a resend), MIME headers, and the text and HTML parts
/// with CRLF line ends in base64 (lines of any length and any UTF-8 pass
/// SMTP's 998-byte limit).
std::string mime_message(const EmailReceiver& receiver, const Message& message,
                         const std::vector<std::string>& recipients, core::TimePoint now);

/// RFC 5322 date in UTC: "Fri, 04 Dec 2026 21:34:45 +0000".
std::string rfc5322_date(core::TimePoint t);

/// `text` as-is when printable ASCII, else one RFC 2047 "=?UTF-8?B?…?="
/// word per up to 45 bytes of whole characters, folded with CRLF + space.
std::string encode_header_text(std::string_view text);

/// Base64 in lines of 76 characters, each ending in CRLF.
std::string base64_lines(std::string_view data);

}  // namespace alertd::sinks::notify
