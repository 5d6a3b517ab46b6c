#pragma once
// What can be said about a plugin file that the loader refused.
#include <filesystem>
#include <string>

namespace lumen::conformance::detail {

/// The name in the file's plugin descriptor, read without registering anything; "unknown" when
/// the file cannot be read, fails shared_library_problem or has no readable descriptor.
std::string descriptor_name(const std::filesystem::path& file);

}  // namespace lumen::conformance::detail
