#pragma once
// Silences in the PostgreSQL store (the same rows and behaviour as
// sinks/store/sqlite/silences.h): create_silence and expire_silence on the
// writer connection, each in one transaction with its audit entry, and the
// reads.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/silence.h"
#include "core/time.h"
#include "sinks/store/postgres/readers.h"
#include "sinks/store/postgres/writer.h"
#include "sinks/store/silence_store.h"

namespace alertd::sinks::postgres {

/// SilenceStore::create_silence after sinks::prepare_new_silence, under the
/// store's write mutex: the row and its `silence` audit entry, or nothing.
core::Result<core::Silence> create_silence(Writer& w, core::Silence silence);
/// SilenceStore::expire_silence of silence `seq`, under the store's write
/// mutex: the update and its `silence_expire` audit entry, or nothing.
core::Result<std::optional<core::Silence>> expire_silence(Writer& w, int64_t seq,
                                                          core::TimePoint now,
                                                          std::string_view actor);

// The reads, on a leased reader.
core::Result<SilencePage> list_silences(Reader& r, const SilenceFilter& filter);
core::Result<std::optional<core::Silence>> get_silence(Reader& r, int64_t seq);
core::Result<std::vector<core::Silence>> load_silences(Reader& r, core::TimePoint now);
core::Result<int64_t> count_unended_silences(Reader& r, core::TimePoint now);

}  // namespace alertd::sinks::postgres
