#include "daemon/commands/replay.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <limits>
#include <mutex>
#include <optional>
#include <ostream>
#include <thread>

#include "core/fingerprint.h"
#include "core/incident_json.h"
#include "core/json_writer.h"
#include "daemon/commands/serial_engine.h"
#include "ingest/formats/decoder.h"

namespace alertd::daemon {

namespace {

// Lines are decoded a chunk at a time so memory stays flat for large files.
constexpr size_t kChunkBytes = 4 << 20;

void write_replay_line(std::string& out, const core::IncidentUpdate& u) {
  core::JsonWriter w(out);
  w.begin_object();
  write_incident_fields(w, u.incident);
  w.key("alerts").begin_array();
  for (const auto& m : u.members) {
    w.begin_object().field("fingerprint", core::fingerprint_hex(m.fingerprint));
    w.key("labels").labels(m.labels);
    w.field("status", core::to_string(m.status));
    w.key("first_seen").time(m.first_seen);
    w.key("last_seen").time(m.last_seen);
    w.field("event_count", m.event_count);
    w.end_object();
  }
  w.end_array().end_object();
  out += '\n';
}

// Reads the file a chunk of whole lines at a time and decodes each chunk on
// its own thread, so decoding (about half the cost) overlaps with the engine.
// Chunks reach the engine in file order, so the output stays deterministic.
class ChunkDecoder {
 public:
  struct Chunk {
    std::vector<core::Alert> alerts;
    std::optional<ingest::DecodeError> error;  // index counts from the file's first event
    bool last = false;
  };

  ChunkDecoder(std::ifstream& in, const config::DaemonConfig& config)
      : in_(in), decoder_(limits(config)) {
    context_.now = core::kNoTime;  // replay has no "now": events carry their own time
    context_.resolve_timeout = config.resolve_timeout;
    thread_ = std::thread([this] { run(); });
  }
  ~ChunkDecoder() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  Chunk next() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !ready_.empty(); });
    Chunk chunk = std::move(ready_.front());
    ready_.pop_front();
    changed_.notify_all();
    return chunk;
  }

 private:
  static constexpr size_t kInFlight = 4;

  // Replay files are trusted local input: no per-request batch or body limit.
  static ingest::Limits limits(const config::DaemonConfig& config) {
    ingest::Limits l = config.limits;
    l.max_alerts_per_request = std::numeric_limits<size_t>::max();
    l.max_body_bytes = std::numeric_limits<size_t>::max();
    return l;
  }

  void run() {
    std::vector<char> buffer(kChunkBytes);
    std::string chunk, carry;
    size_t events_before = 0;
    bool done = false;
    while (!done) {
      in_.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      size_t got = static_cast<size_t>(in_.gcount());
      done = !in_ || got == 0;
      chunk = std::move(carry);
      carry.clear();
      chunk.append(buffer.data(), got);
      if (!done) {  // keep an unfinished last line for the next chunk
        size_t last_nl = chunk.rfind('\n');
        carry.assign(chunk, last_nl == std::string::npos ? 0 : last_nl + 1);
        chunk.resize(last_nl == std::string::npos ? 0 : last_nl + 1);
      }
      Chunk out;
      out.last = done;
      // One alert per line: sized once, the vector never regrows (each
      // regrowth moved every alert and faulted in fresh pages).
      out.alerts.reserve(static_cast<size_t>(std::count(chunk.begin(), chunk.end(), '\n')) + 1);
      auto result = decoder_.generic_ndjson(chunk, context_, out.alerts);
      if (result.error) {
        out.error = std::move(result.error);
        out.error->index += events_before;
        out.last = true;
        done = true;
      }
      events_before += out.alerts.size();
      if (!push(std::move(out))) return;
    }
  }

  bool push(Chunk&& chunk) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return closed_ || ready_.size() < kInFlight; });
    if (closed_) return false;
    ready_.push_back(std::move(chunk));
    changed_.notify_all();
    return true;
  }

  std::ifstream& in_;
  ingest::Decoder decoder_;
  ingest::DecodeContext context_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Chunk> ready_;
  bool closed_ = false;
  std::thread thread_;
};

}  // namespace

int run_replay(const config::DaemonConfig& config, const std::string& input_path, std::ostream& out,
               std::ostream& err, ReplayStats* stats) {
  auto started = std::chrono::steady_clock::now();
  std::ifstream in(input_path, std::ios::binary);
  if (!in) {
    err << "alertd replay: cannot open " << input_path << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  auto settings = config::make_settings(config, 1);
  if (!settings) {
    err << "alertd replay: " << settings.error().message << "\n";
    return 1;
  }
  SerialEngine engine(config, *settings);
  size_t events = 0;
  {
    ChunkDecoder decoder(in, config);
    while (true) {
      auto chunk = decoder.next();
      for (auto& a : chunk.alerts) {
        // Event time drives the clock: firing at starts_at, resolved at ends_at.
        a.received_at = a.event_time();
        engine.process(std::move(a));
      }
      events += chunk.alerts.size();
      if (chunk.error) {
        err << "alertd replay: " << input_path << ": event " << chunk.error->index + 1 << ": "
            << chunk.error->reason << ": " << chunk.error->message << "\n";
        return 2;
      }
      if (chunk.last) break;
    }
  }
  const auto& incidents = engine.incidents();
  std::string text;
  for (size_t i = 0; i < incidents.size(); ++i) {
    text.clear();
    write_replay_line(text, incidents[i]);
    out << text;
  }
  out.flush();
  if (stats != nullptr) {
    stats->events = events;
    stats->incidents = incidents.size();
    stats->seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }
  return 0;
}

}  // namespace alertd::daemon
