#pragma once
#include <stdexcept>
#include <string>

#include "lumen/export.hpp"

namespace lumen {

/// Root of every exception lumen throws. Plugins derive from these too; since the key
/// functions live in liblumen_core.so, they can be caught across the plugin boundary.
class LUMEN_API Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message);
  ~Error() override;
};

/// A value given by the user or a caller is wrong (parameter, target class, file content).
class LUMEN_API InvalidArgument : public Error {
 public:
  using Error::Error;
  ~InvalidArgument() override;
};

/// Tensor shapes do not fit together (names the node or layer at fault).
class LUMEN_API ShapeError : public Error {
 public:
  using Error::Error;
  ~ShapeError() override;
};

/// A model file cannot be read, or uses something lumen does not support.
class LUMEN_API ModelError : public Error {
 public:
  using Error::Error;
  ~ModelError() override;
};

/// A plugin cannot be loaded or its registration failed.
class LUMEN_API PluginError : public Error {
 public:
  using Error::Error;
  ~PluginError() override;
};

/// Reading or writing a file failed.
class LUMEN_API IoError : public Error {
 public:
  using Error::Error;
  ~IoError() override;
};

/// A name asked of the registry, a node name or a parameter name is unknown.
class LUMEN_API NotFound : public Error {
 public:
  using Error::Error;
  ~NotFound() override;
};

/// The work was cancelled through the Context.
class LUMEN_API Cancelled : public Error {
 public:
  using Error::Error;
  ~Cancelled() override;
};

}  // namespace lumen
