#pragma once
// Line framing and chunk decoding of the TCP NDJSON source, without sockets
// (so it is tested alone): bytes arrive in reads of any size, are cut at the
// last '\n' into a chunk of whole lines, and the chunk is decoded in one
// Decoder::generic_ndjson call, resuming after each bad line.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/alert.h"
#include "ingest/formats/decoder.h"
#include "ingest/formats/storable.h"

namespace alertd::ingest::tcp {

/// The bytes of one connection not yet decoded.
class LineFramer {
 public:
  explicit LineFramer(size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

  /// Room for `n` more bytes; commit() says how many of them were read.
  char* prepare(size_t n);
  void commit(size_t n);

  enum class Cut {
    lines,     // `chunk` holds whole lines (perhaps none); read on
    too_long,  // `chunk` holds the lines before a line over max_line_bytes; close
  };
  /// Moves every complete line (each with its '\n') into `chunk`, replacing
  /// what it held; the partial line after the last '\n' stays buffered.
  /// `chunk` keeps its capacity, so simdjson's padding costs no copy.
  Cut take(std::string& chunk);
  /// At end of stream: the partial line, if any, becomes a last line.
  void finish();

  size_t buffered() const { return filled_; }  // the partial line
  size_t max_line_bytes() const { return max_line_bytes_; }

 private:
  size_t max_line_bytes_;
  std::string buf_;
  size_t filled_ = 0;  // bytes of buf_ read (prepare() grows it ahead)
};

/// A line that was skipped, by its 1-based line number on the connection.
struct LineError {
  uint64_t line = 0;
  std::string reason;  // a reason:: token
  std::string message;
};

struct ChunkResult {
  uint64_t lines = 0;  // lines of the chunk, blank ones included
  std::vector<LineError> errors;
};

/// Decodes every line of `chunk` (whole lines; modified) into `out`: a line
/// the decoder refuses, or whose alert the store could not index, is
/// reported in `errors` and skipped, and the lines after it go on.
/// `first_line` is the number of the chunk's first line on the connection.
ChunkResult decode_chunk(Decoder& decoder, std::string& chunk, const DecodeContext& ctx,
                         const IndexedLabels& indexed, uint64_t first_line,
                         std::vector<core::Alert>& out);

}  // namespace alertd::ingest::tcp
