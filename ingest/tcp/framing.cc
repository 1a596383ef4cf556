#include "ingest/tcp/framing.h"

#include <cstring>
#include <span>
#include <utility>

namespace alertd::ingest::tcp {

namespace {

// As the NDJSON decoder sees it: such a line is no event and no error.
bool is_blank(const char* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    const char c = data[i];
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

const char* find_newline(const char* from, const char* end) {
  return static_cast<const char*>(std::memchr(from, '\n', static_cast<size_t>(end - from)));
}

// Where the `event`-th non-blank line (0-based) of `text` is: the line
// number of it counted from 0 among all lines, and the offset just after it.
struct LinePlace {
  uint64_t line = 0;
  size_t end = 0;
};
LinePlace locate_event(std::string_view text, size_t event) {
  const char* begin = text.data();
  const char* end = begin + text.size();
  const char* pos = begin;
  LinePlace place;
  size_t seen = 0;
  while (pos < end) {
    const char* nl = find_newline(pos, end);
    const char* line_end = nl != nullptr ? nl : end;
    const bool blank = is_blank(pos, static_cast<size_t>(line_end - pos));
    pos = nl != nullptr ? nl + 1 : end;
    if (!blank && seen++ == event) {
      place.end = static_cast<size_t>(pos - begin);
      return place;
    }
    ++place.line;
  }
  place.end = text.size();
  return place;
}

uint64_t count_lines(std::string_view text) {
  uint64_t lines = 0;
  const char* end = text.data() + text.size();
  for (const char* pos = text.data(); pos < end;) {
    const char* nl = find_newline(pos, end);
    ++lines;
    pos = nl != nullptr ? nl + 1 : end;
  }
  return lines;
}

// Refuses the alerts from `from` on that the store could not index; each
// becomes an error at its line (`segment` holds the lines they came from).
void drop_unstorable(std::vector<core::Alert>& out, size_t from, std::string_view segment,
                     const IndexedLabels& indexed, uint64_t first_line,
                     std::vector<LineError>& errors) {
  size_t checked = from;
  while (checked < out.size()) {
    DecodeError err;
    std::span<const core::Alert> rest(out.data() + checked, out.size() - checked);
    const size_t bad = check_storable(rest, indexed, "event", err);
    if (bad == rest.size()) return;
    const size_t at = checked + bad;
    const auto place = locate_event(segment, at - from);
    errors.push_back({first_line + place.line, std::move(err.reason), std::move(err.message)});
    out.erase(out.begin() + static_cast<std::ptrdiff_t>(at));
    checked = at;
  }
}

}  // namespace

char* LineFramer::prepare(size_t n) {
  buf_.resize(filled_ + n);
  return buf_.data() + filled_;
}

void LineFramer::commit(size_t n) {
  filled_ += n;
  buf_.resize(filled_);
}

LineFramer::Cut LineFramer::take(std::string& chunk) {
  const char* begin = buf_.data();
  const char* end = begin + buf_.size();
  const char* cut = begin;  // just after the last whole line that fits
  Cut result = Cut::lines;
  for (const char* pos = begin; pos < end;) {
    const char* nl = find_newline(pos, end);
    const size_t length = static_cast<size_t>((nl != nullptr ? nl : end) - pos);
    if (length > max_line_bytes_) {
      result = Cut::too_long;
      break;
    }
    if (nl == nullptr) break;
    cut = nl + 1;
    pos = cut;
  }
  const size_t whole = static_cast<size_t>(cut - begin);
  // Swap, then copy back only the partial line: the chunk is never copied.
  std::swap(chunk, buf_);
  if (result == Cut::too_long) {
    buf_.clear();
  } else {
    buf_.assign(chunk.data() + whole, chunk.size() - whole);
  }
  chunk.resize(whole);
  filled_ = buf_.size();
  return result;
}

void LineFramer::finish() {
  buf_.resize(filled_);
  if (!buf_.empty() && buf_.back() != '\n') buf_.push_back('\n');
  filled_ = buf_.size();
}

ChunkResult decode_chunk(Decoder& decoder, std::string& chunk, const DecodeContext& ctx,
                         const IndexedLabels& indexed, uint64_t first_line,
                         std::vector<core::Alert>& out) {
  ChunkResult result;
  result.lines = count_lines(chunk);
  uint64_t line = first_line;
  // After a bad line the rest is decoded from a copy: `chunk` stays whole,
  // so a refused batch can be decoded again (bad lines are rare).
  std::string rest;
  std::string* text = &chunk;
  while (!text->empty()) {
    const size_t before = out.size();
    auto decoded = decoder.generic_ndjson(*text, ctx, out);
    if (decoded.ok()) {
      drop_unstorable(out, before, *text, indexed, line, result.errors);
      break;
    }
    // The events before the bad line are kept; decoding resumes after it.
    const auto place = locate_event(*text, decoded.error->index);
    std::string_view good(text->data(), place.end);
    drop_unstorable(out, before, good, indexed, line, result.errors);
    result.errors.push_back(
        {line + place.line, std::move(decoded.error->reason), std::move(decoded.error->message)});
    line += count_lines(good);
    std::string next(text->data() + place.end, text->size() - place.end);
    rest = std::move(next);
    text = &rest;
  }
  return result;
}

}  // namespace alertd::ingest::tcp
