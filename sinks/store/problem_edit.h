#pragma once
// What both backends' edit_problem share: the answer for an id no problem
// has, and the error that rolls an edit back when the state machine refused.

#include <string_view>

#include "core/problem.h"

namespace alertd::sinks {

/// edit_problem's answer for an id no problem has (not_found).
core::ProblemResult problem_not_found(std::string_view id);
/// The error a backend's edit transaction body returns when the edit
/// refused or the problem is missing: roll back, and answer the result.
inline constexpr std::string_view kEditRefused = "edit_refused";

}  // namespace alertd::sinks
