#include "sinks/store/problem_edit.h"

#include <string>

namespace alertd::sinks {

core::ProblemResult problem_not_found(std::string_view id) {
  core::ProblemResult r;
  r.verdict = core::Verdict::not_found;
  r.error = "not_found";
  r.detail = "no problem with id \"" + std::string(id) + "\"";
  return r;
}

}  // namespace alertd::sinks
