#include "daemon/http/api_context.h"
#include "daemon/http/router.h"

namespace alertd::daemon::http {

void add_silence_routes(Router&, ApiContext&) {}

}  // namespace alertd::daemon::http
