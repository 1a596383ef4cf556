#include "telemetry/registry.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "telemetry/exposition.h"

namespace alertd::telemetry {

namespace detail {

FamilyBase::FamilyBase(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(sanitize_utf8(help)), label_names_(std::move(label_names)) {
  if (!is_valid_metric_name(name_)) {
    throw std::invalid_argument("telemetry: invalid metric name \"" + name_ + "\"");
  }
  if (help_.empty()) throw std::invalid_argument("telemetry: " + name_ + " has no help text");
  sorted_order_.resize(label_names_.size());
  std::iota(sorted_order_.begin(), sorted_order_.end(), size_t{0});
  std::sort(sorted_order_.begin(), sorted_order_.end(),
            [&](size_t a, size_t b) { return label_names_[a] < label_names_[b]; });
  for (size_t i = 0; i < sorted_order_.size(); ++i) {
    const auto& label = label_names_[sorted_order_[i]];
    if (!is_valid_label_name(label)) {
      throw std::invalid_argument("telemetry: " + name_ + ": invalid label name \"" + label + "\"");
    }
    if (i > 0 && label == label_names_[sorted_order_[i - 1]]) {
      throw std::invalid_argument("telemetry: " + name_ + ": duplicate label name " + label);
    }
  }
}

std::vector<std::string> FamilyBase::canonical_key(
    const std::vector<std::string_view>& values) const {
  std::vector<std::string> key;
  key.reserve(values.size());
  for (size_t i : sorted_order_) key.push_back(sanitize_utf8(values[i]));
  return key;
}

std::string FamilyBase::labels_text(const std::vector<std::string>& key) const {
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    if (i > 0) out += ',';
    out += label_names_[sorted_order_[i]];
    out += "=\"";
    append_escaped(out, key[i], /*quote=*/true);
    out += '"';
  }
  return out;
}

void FamilyBase::append_header(std::string& out) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  append_escaped(out, help_, /*quote=*/false);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += type();
  out += '\n';
}

}  // namespace detail

namespace {

// FNV-1a over the values with a 0xff separator (never valid UTF-8), so that
// ("a b", "") and ("a", "b") hash differently in practice and compare unequal.
template <typename Values>
uint64_t hash_values(const Values& values) {
  uint64_t h = 14695981039346656037ull;
  auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 1099511628211ull;
  };
  for (const auto& v : values) {
    for (char c : std::string_view(v)) mix(static_cast<unsigned char>(c));
    mix(0xff);
  }
  return h;
}

template <typename Values>
bool equal_values(const std::vector<std::string>& stored, const Values& values) {
  return std::equal(stored.begin(), stored.end(), values.begin(), values.end(),
                    [](const std::string& a, const auto& b) { return a == std::string_view(b); });
}

// One sample line: name[suffix]{labels[,extra]} value
void start_sample(std::string& out, std::string_view name, std::string_view suffix,
                  std::string_view labels, std::string_view extra = {}) {
  out += name;
  out += suffix;
  if (!labels.empty() || !extra.empty()) {
    out += '{';
    out += labels;
    if (!labels.empty() && !extra.empty()) out += ',';
    out += extra;
    out += '}';
  }
  out += ' ';
}

void append_samples(std::string& out, std::string_view name, std::string_view labels,
                    const Counter& c) {
  start_sample(out, name, "", labels);
  append_uint(out, c.value());
  out += '\n';
}

void append_samples(std::string& out, std::string_view name, std::string_view labels,
                    const Gauge& g) {
  start_sample(out, name, "", labels);
  append_double(out, g.value());
  out += '\n';
}

void append_samples(std::string& out, std::string_view name, std::string_view labels,
                    const Histogram& h) {
  // Sum is read first: an observation racing with the render then shows in
  // the counts but not yet in the sum, never the other way round.
  double sum = h.sum();
  auto counts = h.bucket_counts();
  const auto& bounds = h.bounds();
  uint64_t cumulative = 0;
  std::string le;
  for (size_t i = 0; i < counts.size(); ++i) {
    cumulative += counts[i];
    le = "le=\"";
    if (i < bounds.size()) {
      append_double(le, bounds[i]);
    } else {
      le += "+Inf";
    }
    le += '"';
    start_sample(out, name, "_bucket", labels, le);
    append_uint(out, cumulative);
    out += '\n';
  }
  start_sample(out, name, "_sum", labels);
  append_double(out, sum);
  out += '\n';
  start_sample(out, name, "_count", labels);
  append_uint(out, cumulative);  // equal to le="+Inf" by construction
  out += '\n';
}

}  // namespace

template <typename M>
Family<M>::~Family() {
  for (auto& slot : index_) {
    for (Node* n = slot.load(std::memory_order_relaxed); n != nullptr;) {
      Node* next = n->next;
      delete n;
      n = next;
    }
  }
}

template <typename M>
M& Family<M>::with(std::initializer_list<std::string_view> values) {
  return find_or_create(values);
}

template <typename M>
M& Family<M>::with(const std::vector<std::string>& values) {
  return find_or_create(values);
}

template <typename M>
size_t Family<M>::size() const {
  std::lock_guard lock(mutex_);
  return children_.size();
}

template <typename M>
template <typename Values>
M& Family<M>::find_or_create(const Values& values) {
  if (values.size() != label_names().size()) {
    throw std::invalid_argument("telemetry: " + name() + " takes " +
                                std::to_string(label_names().size()) + " label values, got " +
                                std::to_string(values.size()));
  }
  uint64_t hash = hash_values(values);
  for (Node* n = index_[hash % kSlots].load(std::memory_order_acquire); n != nullptr; n = n->next) {
    if (n->hash == hash && equal_values(n->values, values)) return *n->metric;
  }
  return create(hash, std::vector<std::string_view>(values.begin(), values.end()));
}

template <typename M>
M& Family<M>::create(uint64_t hash, std::vector<std::string_view> values) {
  std::lock_guard lock(mutex_);
  auto& slot = index_[hash % kSlots];
  Node* head = slot.load(std::memory_order_relaxed);
  for (Node* n = head; n != nullptr; n = n->next) {  // another thread may have won
    if (n->hash == hash && equal_values(n->values, values)) return *n->metric;
  }
  // Two spellings that sanitize to one label set share one child, so the
  // exposition never repeats a series.
  auto key = canonical_key(values);
  auto it = children_.find(key);
  if (it == children_.end()) {
    Child child{labels_text(key), make_child()};
    it = children_.emplace(std::move(key), std::move(child)).first;
  }
  auto* node = new Node{hash, std::vector<std::string>(values.begin(), values.end()),
                        it->second.metric.get(), head};
  slot.store(node, std::memory_order_release);
  return *node->metric;
}

template <typename M>
void Family<M>::render(std::string& out) const {
  std::lock_guard lock(mutex_);
  if (children_.empty()) return;
  append_header(out);
  for (const auto& [key, child] : children_)
    append_samples(out, name(), child.labels_text, *child.metric);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

HistogramFamily::HistogramFamily(std::string family_name, std::string help_text,
                                 std::vector<double> buckets, std::vector<std::string> labels)
    : Family<Histogram>(std::move(family_name), std::move(help_text), std::move(labels)),
      buckets_(std::move(buckets)) {
  // A trailing +Inf is accepted (client_golang does too) and made implicit.
  if (!buckets_.empty() && std::isinf(buckets_.back()) && buckets_.back() > 0) buckets_.pop_back();
  for (size_t i = 0; i < buckets_.size(); ++i) {
    if (!std::isfinite(buckets_[i]) || (i > 0 && !(buckets_[i - 1] < buckets_[i]))) {
      throw std::invalid_argument("telemetry: " + name() +
                                  ": buckets must be finite and strictly increasing");
    }
  }
  for (const auto& label : label_names()) {
    if (label == "le") throw std::invalid_argument("telemetry: " + name() + ": label \"le\"");
  }
}

template <typename F, typename... Args>
F& Registry::add(const std::string& name, const std::vector<std::string>& sample_names,
                 Args&&... args) {
  std::unique_ptr<F> family(new F(std::forward<Args>(args)...));  // validates before we look
  std::lock_guard lock(mutex_);
  if (auto it = by_name_.find(name); it != by_name_.end()) {
    auto* existing = dynamic_cast<F*>(it->second);
    if (existing == nullptr || existing->label_names() != family->label_names()) {
      throw std::invalid_argument("telemetry: " + name +
                                  " registered again with another type or other labels");
    }
    if constexpr (std::is_same_v<F, HistogramFamily>) {
      if (existing->buckets() != family->buckets()) {
        throw std::invalid_argument("telemetry: " + name + " registered again with other buckets");
      }
    }
    return *existing;
  }
  for (const auto& sample : sample_names) {
    if (sample_names_.count(sample) != 0) {
      throw std::invalid_argument("telemetry: " + name + ": series name " + sample +
                                  " is already used by another family");
    }
  }
  sample_names_.insert(sample_names.begin(), sample_names.end());
  // A family without labels has exactly one series; it is shown from the
  // start (at 0) so that alerts on it work before the first event.
  if (family->label_names().empty()) family->with({});
  F& ref = *family;
  by_name_.emplace(name, family.get());
  families_.push_back(std::move(family));
  return ref;
}

CounterFamily& Registry::counter(std::string name, std::string help,
                                 std::vector<std::string> label_names) {
  std::vector<std::string> samples{name};
  return add<CounterFamily>(samples[0], samples, std::move(name), std::move(help),
                            std::move(label_names));
}

GaugeFamily& Registry::gauge(std::string name, std::string help,
                             std::vector<std::string> label_names) {
  std::vector<std::string> samples{name};
  return add<GaugeFamily>(samples[0], samples, std::move(name), std::move(help),
                          std::move(label_names));
}

HistogramFamily& Registry::histogram(std::string name, std::string help,
                                     std::vector<double> buckets,
                                     std::vector<std::string> label_names) {
  std::vector<std::string> samples{name, name + "_bucket", name + "_sum", name + "_count"};
  return add<HistogramFamily>(samples[0], samples, std::move(name), std::move(help),
                              std::move(buckets), std::move(label_names));
}

void Registry::on_collect(std::function<void()> fn) {
  std::lock_guard lock(mutex_);
  hooks_.push_back(std::move(fn));
}

std::string Registry::render() {
  std::lock_guard render_lock(render_mutex_);
  std::vector<std::function<void()>> hooks;
  {
    std::lock_guard lock(mutex_);
    hooks = hooks_;
  }
  // Outside mutex_: a hook may register a metric or add another hook.
  for (auto& hook : hooks) hook();

  std::string out;
  std::lock_guard lock(mutex_);
  out.reserve(last_size_ + last_size_ / 8);
  for (const auto& family : families_) family->render(out);
  last_size_ = out.size();
  return out;
}

}  // namespace alertd::telemetry
