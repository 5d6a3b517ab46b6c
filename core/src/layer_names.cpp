#include "lumen/layer_names.hpp"

#include <algorithm>
#include <numeric>
#include <set>

#include "lumen/error.hpp"

namespace lumen {

namespace {

// The scopes of a torch.onnx node name: every '/'-separated part but the last (the op), for a
// name starting with '/'.
std::vector<std::string_view> scopes(std::string_view name) {
  std::vector<std::string_view> parts;
  if (!name.starts_with('/')) return parts;
  name.remove_prefix(1);
  for (std::size_t slash; (slash = name.find('/')) != std::string_view::npos;) {
    parts.push_back(name.substr(0, slash));
    name.remove_prefix(slash + 1);
  }
  return parts;
}

// The module paths a node is inside, outermost first. torch names a Sequential's or ModuleList's
// child after its parent's scope ("block" -> "block.3"), so such a scope adds only its index to
// the path; any other scope is an attribute name, appended ("conv1" under "layer4.1").
std::vector<std::string> enclosing_modules(std::string_view node_name) {
  std::vector<std::string> paths;
  std::string path;
  std::string_view parent;
  for (std::string_view scope : scopes(node_name)) {
    if (scope.empty()) continue;
    const bool child = !parent.empty() && scope.size() > parent.size() + 1 &&
                       scope.starts_with(parent) && scope[parent.size()] == '.';
    if (child) {
      path += scope.substr(parent.size());
    } else {
      path += (path.empty() ? "" : ".") + std::string(scope);
    }
    paths.push_back(path);
    parent = scope;
  }
  return paths;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string module_path(std::string_view node_name) {
  const auto paths = enclosing_modules(node_name);
  return paths.empty() ? std::string() : paths.back();
}

NodeId resolve_layer(const Graph& graph, std::string_view name) {
  if (const auto id = graph.find(name)) return *id;
  std::optional<NodeId> last;
  std::set<std::string> modules;
  std::vector<std::string> candidates;
  for (NodeId id : graph.topological_order()) {
    const std::string& node = graph.node(id).name;
    candidates.push_back(node);
    for (auto& path : enclosing_modules(node)) {
      if (path == name) last = id;
      if (modules.insert(path).second) candidates.push_back(std::move(path));
    }
  }
  if (last) return *last;
  std::string known;
  for (const auto& c : closest_names(name, candidates, 5)) known += (known.empty() ? "" : ", ") + c;
  throw NotFound("no node, tensor or module named '" + std::string(name) + "'; closest: " + known +
                 " (lumen inspect lists every node and module)");
}

std::vector<std::string> closest_names(std::string_view name,
                                       const std::vector<std::string>& candidates,
                                       std::size_t count) {
  std::vector<std::pair<std::size_t, std::size_t>> scored;  // distance, position
  for (std::size_t i = 0; i < candidates.size(); ++i)
    scored.emplace_back(edit_distance(name, candidates[i]), i);
  std::stable_sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < scored.size() && out.size() < count; ++i) {
    const std::string& c = candidates[scored[i].second];
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  return out;
}

}  // namespace lumen
