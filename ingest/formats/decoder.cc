#include "ingest/formats/decoder.h"

#include "ingest/formats/common.h"

namespace alertd::ingest {

Decoder::Decoder(Limits limits) : limits_(limits), state_(std::make_unique<State>()) {
  // Most alerts carry fewer labels than this; the scratch never shrinks.
  state_->labels.reserve(16);
  state_->annotations.reserve(8);
}

Decoder::~Decoder() = default;
Decoder::Decoder(Decoder&&) noexcept = default;
Decoder& Decoder::operator=(Decoder&&) noexcept = default;

}  // namespace alertd::ingest
