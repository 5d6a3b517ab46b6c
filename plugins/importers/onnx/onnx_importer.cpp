#include "onnx_importer.hpp"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <climits>
#include <fstream>
#include <optional>

#include "converter.hpp"
#include "lumen/error.hpp"
#include "metadata.hpp"

namespace lumen::onnx_import {

namespace {

constexpr std::int64_t min_opset = 9;
constexpr std::int64_t max_opset = 17;

std::string read_bytes(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) throw ModelError("the file does not exist");
  if (std::filesystem::is_directory(file, ec)) throw ModelError("this is a directory, not a file");
  // Opening a FIFO for reading would wait for a writer, forever.
  if (!std::filesystem::is_regular_file(file, ec)) {
    throw ModelError("this is not a regular file (a FIFO, socket or device)");
  }
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) throw ModelError("the file cannot be opened");
  const auto size = static_cast<std::streamoff>(in.tellg());
  if (size == 0) throw ModelError("the file is empty");
  if (size > INT_MAX) throw ModelError("the file is larger than 2 GiB, protobuf's limit");
  std::string bytes(static_cast<std::size_t>(size), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), size)) throw ModelError("the file cannot be read");
  return bytes;
}

onnx::ModelProto parse(std::string_view bytes) {
  if (bytes.size() > INT_MAX) throw ModelError("the file is larger than 2 GiB, protobuf's limit");
  onnx::ModelProto model;
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    throw ModelError(
        "the file is not a valid ONNX model (protobuf parsing failed; the file is "
        "truncated or not ONNX)");
  }
  if (!model.has_graph() || model.graph().node_size() == 0) {
    throw ModelError("the file holds no ONNX graph with nodes (truncated or not an ONNX model)");
  }
  return model;
}

std::int64_t default_opset(const onnx::ModelProto& model) {
  if (model.ir_version() > onnx::IR_VERSION) {
    throw ModelError("IR version " + std::to_string(model.ir_version()) +
                     " is newer than lumen's ONNX library reads (up to " +
                     std::to_string(onnx::IR_VERSION) + ")");
  }
  std::optional<std::int64_t> opset;
  for (const auto& o : model.opset_import()) {
    if (o.domain().empty() || o.domain() == "ai.onnx") opset = o.version();
  }
  if (!opset) throw ModelError("the model imports no opset of the default ONNX domain");
  if (*opset < min_opset || *opset > max_opset) {
    throw ModelError("opset " + std::to_string(*opset) +
                     " of the default ONNX domain is not supported; lumen reads opsets " +
                     std::to_string(min_opset) + " to " + std::to_string(max_opset));
  }
  return *opset;
}

void refuse_external_data(const onnx::TensorProto& tensor, const std::string& what) {
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL || tensor.external_data_size() > 0) {
    throw ModelError(what + " keeps its data in an external file, which lumen does not read");
  }
}

// Before the ONNX checker runs: it looks up an external file's location on disk (relative to the
// working directory, or absolute) and words its refusal by whether the file exists, so a model
// could probe the file system. lumen refuses every tensor with external data first, by name.
void refuse_external_data(const onnx::GraphProto& graph) {
  for (const auto& t : graph.initializer())
    refuse_external_data(t, "initializer '" + t.name() + "'");
  for (const auto& s : graph.sparse_initializer()) {
    const std::string what = "sparse initializer '" + s.values().name() + "'";
    refuse_external_data(s.values(), what);
    refuse_external_data(s.indices(), what);
  }
  for (const auto& node : graph.node()) {
    for (const auto& a : node.attribute()) {
      const std::string what = "attribute '" + a.name() + "' of node '" + node.name() + "'";
      if (a.has_t()) refuse_external_data(a.t(), what);
      for (const auto& t : a.tensors()) refuse_external_data(t, what);
      if (a.has_sparse_tensor()) {
        refuse_external_data(a.sparse_tensor().values(), what);
        refuse_external_data(a.sparse_tensor().indices(), what);
      }
      if (a.has_g()) refuse_external_data(a.g());
      for (const auto& g : a.graphs()) refuse_external_data(g);
    }
  }
}

void run_checker(const onnx::ModelProto& model) {
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    std::string message = e.what();
    for (auto& c : message) {
      if (c == '\n') c = ' ';
    }
    throw ModelError("the ONNX checker refused the model: " + message);
  }
}

}  // namespace

ImporterInfo OnnxImporter::info() const {
  return {"onnx", "ONNX classifiers, default domain opsets 9 to 17", {".onnx"}};
}

Model import_onnx(std::string_view bytes, const ImportOptions& options) {
  check_import_shape(options.input_shape, "input shape");
  check_import_shape(options.fallback_shape, "fallback input shape");
  auto model = parse(bytes);
  const auto opset = default_opset(model);
  check_ops_supported(model.graph(), opset);
  refuse_external_data(model.graph());
  run_checker(model);
  const auto metadata = read_metadata(model);
  auto graph = import_graph(model, opset, options);
  return Model(std::move(graph), InputSpec{{}, metadata.mean, metadata.std, metadata.preprocess},
               metadata.labels);
}

Model OnnxImporter::read(const std::filesystem::path& file, const ImportOptions& options) const {
  try {
    return import_onnx(read_bytes(file), options);
  } catch (const std::exception& e) {
    throw ModelError(file.string() + ": " + e.what());
  }
}

}  // namespace lumen::onnx_import
