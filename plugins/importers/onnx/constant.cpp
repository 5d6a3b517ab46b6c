#include "constant.hpp"

#include <algorithm>
#include <cstring>

#include "lumen/error.hpp"

namespace lumen::onnx_import {

Tensor Constant::tensor() const {
  if (integer) throw ModelError("expected a float tensor, got an integer tensor");
  return Tensor(shape, floats);
}

const std::vector<std::int64_t>& Constant::concrete_ints() const {
  if (!integer) throw ModelError("expected an integer tensor, got a float tensor");
  if (std::find(ints.begin(), ints.end(), batch_marker) != ints.end()) {
    throw ModelError("the value depends on the symbolic batch size, which lumen cannot fold here");
  }
  return ints;
}

namespace {

template <typename Stored, typename Out>
void decode_raw(const std::string& raw, std::int64_t count, std::vector<Out>& out,
                const std::string& what) {
  const auto expected = static_cast<std::size_t>(count) * sizeof(Stored);
  if (raw.size() != expected) {
    throw ModelError(what + " has " + std::to_string(raw.size()) +
                     " bytes of data; its dims need " + std::to_string(expected));
  }
  out.resize(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < out.size(); ++i) {
    Stored v;
    std::memcpy(&v, raw.data() + i * sizeof(Stored), sizeof(Stored));
    out[i] = static_cast<Out>(v);
  }
}

template <typename Field, typename Out>
void decode_field(const Field& field, std::int64_t count, std::vector<Out>& out,
                  const std::string& what) {
  if (field.size() != count) {
    throw ModelError(what + " has " + std::to_string(field.size()) + " values; its dims need " +
                     std::to_string(count));
  }
  out.assign(field.begin(), field.end());
}

}  // namespace

Constant read_tensor(const onnx::TensorProto& proto, const std::string& what) {
  if (proto.has_segment()) throw ModelError(what + " is segmented, which lumen does not read");
  Constant c;
  for (auto d : proto.dims()) {
    if (d < 0) throw ModelError(what + " has a negative dimension " + std::to_string(d));
    c.shape.push_back(d);
  }
  const auto count = c.size();
  const bool raw = proto.has_raw_data();
  const auto& bytes = proto.raw_data();
  switch (proto.data_type()) {
    case onnx::TensorProto::FLOAT:
      if (raw)
        decode_raw<float>(bytes, count, c.floats, what);
      else
        decode_field(proto.float_data(), count, c.floats, what);
      break;
    case onnx::TensorProto::DOUBLE:
      if (raw)
        decode_raw<double>(bytes, count, c.floats, what);
      else
        decode_field(proto.double_data(), count, c.floats, what);
      break;
    case onnx::TensorProto::INT64:
      c.integer = true;
      if (raw)
        decode_raw<std::int64_t>(bytes, count, c.ints, what);
      else
        decode_field(proto.int64_data(), count, c.ints, what);
      break;
    case onnx::TensorProto::INT32:
      c.integer = true;
      if (raw)
        decode_raw<std::int32_t>(bytes, count, c.ints, what);
      else
        decode_field(proto.int32_data(), count, c.ints, what);
      break;
    case onnx::TensorProto::BOOL:
      c.integer = true;
      if (raw)
        decode_raw<std::uint8_t>(bytes, count, c.ints, what);
      else
        decode_field(proto.int32_data(), count, c.ints, what);
      break;
    default: {
      const auto type = proto.data_type();
      const auto& type_name = onnx::TensorProto_DataType_IsValid(type)
                                  ? onnx::TensorProto_DataType_Name(type)
                                  : std::to_string(type);
      throw ModelError(what + " has element type " + type_name +
                       "; lumen reads FLOAT, DOUBLE, INT64, INT32 and BOOL tensors");
    }
  }
  return c;
}

}  // namespace lumen::onnx_import
