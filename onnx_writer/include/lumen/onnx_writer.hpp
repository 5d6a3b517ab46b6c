#pragma once
/// A small writer of ONNX models: lumen train's export, the tests' models and the bundled example
/// models. It writes what it is told without judging it (so tests can also write malformed files);
/// check() runs the ONNX checker when a valid model is wanted.
///
///   ModelBuilder b(13);
///   b.add_input("x", {"N", 1, 4, 4})
///       .add_initializer("w", weight)
///       .add_node("Conv", {"x", "w"}, {"y"}, {{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1,
///       1}}}) .add_output("y") .save("model.onnx");
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "lumen/tensor.hpp"

namespace lumen::onnx_writer {

using Ints = std::vector<std::int64_t>;
using Floats = std::vector<float>;

/// An integer tensor (shapes, pads, indices), written as INT64.
struct IntTensor {
  Shape shape;
  Ints values;
};

/// A dimension of an input: a size, or a symbolic name such as "N"; the empty name writes a
/// dimension with neither (an unknown size, as some exporters write it).
using Dim = std::variant<std::int64_t, std::string>;

using AttributeValue =
    std::variant<std::int64_t, float, std::string, Ints, Floats, Tensor, IntTensor>;

/// A node attribute. Integer literals become INT, floating literals FLOAT, Ints/Floats the list
/// types, strings STRING and tensors TENSOR: {"axis", 1}, {"alpha", 0.2}, {"mode", "reflect"}.
struct Attribute {
  Attribute(std::string name, AttributeValue value);
  Attribute(std::string name, int value);
  Attribute(std::string name, std::int64_t value);
  Attribute(std::string name, double value);

  std::string name;
  AttributeValue value;
};

/// How tensors (initializers and tensor attributes) store their values.
enum class TensorStorage { raw_data, typed_fields };

/// Builds one ONNX model: a single graph in the default domain at one opset. Not thread-safe.
class ModelBuilder {
 public:
  /// A model importing the default domain at `opset`, IR version 8.
  explicit ModelBuilder(std::int64_t opset = 13);
  ~ModelBuilder();
  ModelBuilder(ModelBuilder&&) noexcept;
  ModelBuilder& operator=(ModelBuilder&&) noexcept;

  ModelBuilder& set_opset(std::int64_t opset);
  ModelBuilder& set_ir_version(std::int64_t version);
  /// Storage of tensors added from now on (default raw_data, as PyTorch writes).
  ModelBuilder& set_tensor_storage(TensorStorage storage);
  /// A float graph input; dims are sizes or symbolic names.
  ModelBuilder& add_input(const std::string& name, const std::vector<Dim>& shape);
  /// A float graph output; the default shape suits a classifier's scores.
  ModelBuilder& add_output(const std::string& name,
                           const std::vector<Dim>& shape = {Dim{"N"}, Dim{"classes"}});
  ModelBuilder& add_initializer(const std::string& name, const Tensor& value);
  /// A FLOAT initializer; values are written as given, even when their count does not fit.
  ModelBuilder& add_initializer(const std::string& name, const Shape& shape,
                                const std::vector<float>& values);
  /// An INT64 initializer.
  ModelBuilder& add_initializer(const std::string& name, const IntTensor& value);
  /// A node of the default domain; empty input names stand for omitted optional inputs.
  ModelBuilder& add_node(const std::string& op_type, const std::vector<std::string>& inputs,
                         const std::vector<std::string>& outputs,
                         const std::vector<Attribute>& attributes = {},
                         const std::string& name = {});
  /// A metadata_props entry (e.g. "lumen.labels").
  ModelBuilder& set_metadata(const std::string& key, const std::string& value);

  /// The serialised model (the bytes save() writes).
  std::string serialize() const;
  /// Writes the model as lumen::write_file does; throws IoError naming the file.
  void save(const std::filesystem::path& file) const;
  /// Runs the ONNX checker; throws InvalidArgument with its message when the model is invalid.
  void check() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lumen::onnx_writer
