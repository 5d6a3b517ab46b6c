#include "lumen/onnx_writer.hpp"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <cstring>
#include <type_traits>

#include "lumen/error.hpp"
#include "lumen/output_dir.hpp"

namespace lumen::onnx_writer {

Attribute::Attribute(std::string name_, AttributeValue value_)
    : name(std::move(name_)), value(std::move(value_)) {}
Attribute::Attribute(std::string name_, int value_)
    : name(std::move(name_)), value(std::int64_t{value_}) {}
Attribute::Attribute(std::string name_, std::int64_t value_)
    : name(std::move(name_)), value(value_) {}
Attribute::Attribute(std::string name_, double value_)
    : name(std::move(name_)), value(static_cast<float>(value_)) {}

namespace {

template <typename T>
void set_raw(onnx::TensorProto& proto, const std::vector<T>& values) {
  std::string bytes(values.size() * sizeof(T), '\0');
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  proto.set_raw_data(std::move(bytes));
}

void set_dims(onnx::TensorProto& proto, const Shape& shape) {
  for (auto d : shape) proto.add_dims(d);
}

void fill_float_tensor(onnx::TensorProto& proto, const Shape& shape,
                       const std::vector<float>& values, TensorStorage storage) {
  proto.set_data_type(onnx::TensorProto::FLOAT);
  set_dims(proto, shape);
  if (storage == TensorStorage::raw_data) {
    set_raw(proto, values);
  } else {
    proto.mutable_float_data()->Add(values.begin(), values.end());
  }
}

void fill_int_tensor(onnx::TensorProto& proto, const IntTensor& value, TensorStorage storage) {
  proto.set_data_type(onnx::TensorProto::INT64);
  set_dims(proto, value.shape);
  if (storage == TensorStorage::raw_data) {
    set_raw(proto, value.values);
  } else {
    proto.mutable_int64_data()->Add(value.values.begin(), value.values.end());
  }
}

std::vector<float> values_of(const Tensor& t) { return {t.values().begin(), t.values().end()}; }

void set_float_type(onnx::ValueInfoProto& info, const std::string& name,
                    const std::vector<Dim>& shape) {
  info.set_name(name);
  auto& type = *info.mutable_type()->mutable_tensor_type();
  type.set_elem_type(onnx::TensorProto::FLOAT);
  auto& dims = *type.mutable_shape();
  for (const auto& d : shape) {
    auto& dim = *dims.add_dim();
    if (const auto* size = std::get_if<std::int64_t>(&d)) {
      dim.set_dim_value(*size);
    } else if (!std::get<std::string>(d).empty()) {
      dim.set_dim_param(std::get<std::string>(d));
    }
  }
}

}  // namespace

struct ModelBuilder::Impl {
  onnx::ModelProto model;
  TensorStorage storage = TensorStorage::raw_data;

  onnx::GraphProto& graph() { return *model.mutable_graph(); }

  void set_attribute(onnx::AttributeProto& attr, const AttributeValue& value) const {
    std::visit(
        [&](const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::int64_t>) {
            attr.set_type(onnx::AttributeProto::INT);
            attr.set_i(v);
          } else if constexpr (std::is_same_v<V, float>) {
            attr.set_type(onnx::AttributeProto::FLOAT);
            attr.set_f(v);
          } else if constexpr (std::is_same_v<V, std::string>) {
            attr.set_type(onnx::AttributeProto::STRING);
            attr.set_s(v);
          } else if constexpr (std::is_same_v<V, Ints>) {
            attr.set_type(onnx::AttributeProto::INTS);
            attr.mutable_ints()->Add(v.begin(), v.end());
          } else if constexpr (std::is_same_v<V, Floats>) {
            attr.set_type(onnx::AttributeProto::FLOATS);
            attr.mutable_floats()->Add(v.begin(), v.end());
          } else if constexpr (std::is_same_v<V, Tensor>) {
            attr.set_type(onnx::AttributeProto::TENSOR);
            fill_float_tensor(*attr.mutable_t(), v.shape(), values_of(v), storage);
          } else {
            static_assert(std::is_same_v<V, IntTensor>);
            attr.set_type(onnx::AttributeProto::TENSOR);
            fill_int_tensor(*attr.mutable_t(), v, storage);
          }
        },
        value);
  }
};

ModelBuilder::ModelBuilder(std::int64_t opset) : impl_(std::make_unique<Impl>()) {
  impl_->model.set_ir_version(8);
  impl_->model.set_producer_name("lumen-onnx-builder");
  impl_->model.add_opset_import()->set_version(opset);
  impl_->graph().set_name("lumen");
}

ModelBuilder::~ModelBuilder() = default;
ModelBuilder::ModelBuilder(ModelBuilder&&) noexcept = default;
ModelBuilder& ModelBuilder::operator=(ModelBuilder&&) noexcept = default;

ModelBuilder& ModelBuilder::set_opset(std::int64_t opset) {
  impl_->model.mutable_opset_import(0)->set_version(opset);
  return *this;
}

ModelBuilder& ModelBuilder::set_ir_version(std::int64_t version) {
  impl_->model.set_ir_version(version);
  return *this;
}

ModelBuilder& ModelBuilder::set_tensor_storage(TensorStorage storage) {
  impl_->storage = storage;
  return *this;
}

ModelBuilder& ModelBuilder::add_input(const std::string& name, const std::vector<Dim>& shape) {
  set_float_type(*impl_->graph().add_input(), name, shape);
  return *this;
}

ModelBuilder& ModelBuilder::add_output(const std::string& name, const std::vector<Dim>& shape) {
  set_float_type(*impl_->graph().add_output(), name, shape);
  return *this;
}

ModelBuilder& ModelBuilder::add_initializer(const std::string& name, const Tensor& value) {
  return add_initializer(name, value.shape(), values_of(value));
}

ModelBuilder& ModelBuilder::add_initializer(const std::string& name, const Shape& shape,
                                            const std::vector<float>& values) {
  auto& proto = *impl_->graph().add_initializer();
  proto.set_name(name);
  fill_float_tensor(proto, shape, values, impl_->storage);
  return *this;
}

ModelBuilder& ModelBuilder::add_initializer(const std::string& name, const IntTensor& value) {
  auto& proto = *impl_->graph().add_initializer();
  proto.set_name(name);
  fill_int_tensor(proto, value, impl_->storage);
  return *this;
}

ModelBuilder& ModelBuilder::add_node(const std::string& op_type,
                                     const std::vector<std::string>& inputs,
                                     const std::vector<std::string>& outputs,
                                     const std::vector<Attribute>& attributes,
                                     const std::string& name) {
  auto& node = *impl_->graph().add_node();
  node.set_op_type(op_type);
  node.set_name(name);
  for (const auto& i : inputs) node.add_input(i);
  for (const auto& o : outputs) node.add_output(o);
  for (const auto& a : attributes) {
    auto& attr = *node.add_attribute();
    attr.set_name(a.name);
    impl_->set_attribute(attr, a.value);
  }
  return *this;
}

ModelBuilder& ModelBuilder::set_metadata(const std::string& key, const std::string& value) {
  auto& entry = *impl_->model.add_metadata_props();
  entry.set_key(key);
  entry.set_value(value);
  return *this;
}

std::string ModelBuilder::serialize() const {
  std::string bytes;
  if (!impl_->model.SerializeToString(&bytes)) {
    throw InvalidArgument("the ONNX model could not be serialised");
  }
  return bytes;
}

void ModelBuilder::save(const std::filesystem::path& file) const { write_file(file, serialize()); }

void ModelBuilder::check() const {
  try {
    onnx::checker::check_model(impl_->model);
  } catch (const std::exception& e) {
    throw InvalidArgument(std::string("the ONNX checker refused the model: ") + e.what());
  }
}

}  // namespace lumen::onnx_writer
