#pragma once
/// The plugin files behind a run, for its JSON records.
#include <filesystem>
#include <lumen/component.hpp>
#include <lumen/registry.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lumen::cli {

/// The files that supplied the model's importer and each backend of `chain` ("a>b"):
/// {"importer": FILE, "backends": {NAME: FILE}}; no importer when `model` is empty.
nlohmann::json engine_files(const Registry& registry, const std::filesystem::path& model,
                            const std::string& chain);

/// The file that supplied each component, by kind: {"rules": {NAME: FILE}, "composites": ...,
/// "canonizers": ..., "explainers": ...}; a composite read from a JSON file is its own file.
nlohmann::json component_files(const Registry& registry, const std::vector<Component>& components);

}  // namespace lumen::cli
