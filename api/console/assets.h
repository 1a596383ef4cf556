#pragma once
// The web console's files (api/console/assets/), compiled into the binary by
// cmake/embed_assets.cmake so that the daemon needs nothing installed beside it.

#include <span>
#include <string_view>

namespace alertd::api::console {

struct Asset {
  std::string_view name;  // the file name under api/console/assets/
  std::string_view content_type;
  std::string_view body;
};

std::span<const Asset> assets();

}  // namespace alertd::api::console
