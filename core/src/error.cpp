#include "lumen/error.hpp"

namespace lumen {

// Out-of-line destructors are the key functions: they put each class's typeinfo in
// liblumen_core.so, so exceptions thrown in plugins are caught by type in the host.
Error::Error(const std::string& message) : std::runtime_error(message) {}
Error::~Error() = default;
InvalidArgument::~InvalidArgument() = default;
ShapeError::~ShapeError() = default;
ModelError::~ModelError() = default;
PluginError::~PluginError() = default;
IoError::~IoError() = default;
NotFound::~NotFound() = default;
Cancelled::~Cancelled() = default;

}  // namespace lumen
