#include "plugin_files.hpp"

#include <lumen/importer.hpp>
#include <sstream>

namespace lumen::cli {

nlohmann::json engine_files(const Registry& registry, const std::filesystem::path& model,
                            const std::string& chain) {
  nlohmann::json backends = nlohmann::json::object();
  std::stringstream names(chain);
  for (std::string name; std::getline(names, name, '>');) {
    backends[name] = registry.file_of("backend", name);
  }
  nlohmann::json files{{"backends", backends}};
  if (!model.empty())
    files["importer"] = registry.file_of("importer", registry.importer_for(model)->info().name);
  return files;
}

nlohmann::json component_files(const Registry& registry, const std::vector<Component>& components) {
  nlohmann::json out = nlohmann::json::object();
  for (const Component& c : components) {
    const bool composite_file = c.kind == "composite" && c.name.ends_with(".json");
    std::string file = composite_file
                           ? std::filesystem::absolute(c.name).lexically_normal().string()
                           : registry.file_of(c.kind, c.name);
    out[c.kind + "s"][c.name] = std::move(file);
  }
  return out;
}

}  // namespace lumen::cli
