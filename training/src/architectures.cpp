#include "lumen/training/architectures.hpp"

#include <cmath>
#include <map>
#include <numbers>
#include <random>
#include <string>

#include "lumen/error.hpp"
#include "lumen/layers.hpp"

namespace lumen::training {
namespace {

// Builds a chain-or-DAG graph node by node, initialising weights from one seeded stream.
class Builder {
 public:
  explicit Builder(const ArchitectureOptions& o) : rng_(o.seed) {
    if (o.sample_shape.size() != 3 || element_count(o.sample_shape) < 1) {
      throw InvalidArgument("architecture: sample_shape " + to_string(o.sample_shape) +
                            " must be a non-empty [C, H, W]");
    }
    if (o.classes < 2) {
      throw InvalidArgument("architecture: classes " + std::to_string(o.classes) + " must be >= 2");
    }
    const auto channels = static_cast<std::size_t>(o.sample_shape[0]);
    if (o.mean.size() != o.std.size() || (!o.mean.empty() && o.mean.size() != channels)) {
      throw InvalidArgument("architecture: mean and std need one value per channel (" +
                            std::to_string(channels) + "), got " + std::to_string(o.mean.size()) +
                            " and " + std::to_string(o.std.size()));
    }
    for (const float s : o.std) {
      if (!(s > 0.0F)) {
        throw InvalidArgument("architecture: std " + std::to_string(s) + " must be > 0");
      }
    }
    last_ = graph_.add_input("input", o.sample_shape);
  }

  NodeId last() const { return last_; }
  std::int64_t channels(NodeId id) const { return graph_.node(id).output_shape[1]; }

  // He-normal weights (for a ReLU after it) or Glorot-uniform; a zero bias when `bias`.
  NodeId conv(NodeId in, std::int64_t out, std::int64_t kernel, std::int64_t stride, bool he,
              bool bias = true) {
    const auto c_in = channels(in);
    Conv2dParams p;
    p.weight = init({out, c_in, kernel, kernel}, c_in * kernel * kernel, out * kernel * kernel, he);
    if (bias) p.bias = Tensor({out}, 0.0F);
    p.stride = {stride, stride};
    const auto pad = kernel / 2;
    p.pads = {pad, pad, pad, pad};
    return add("conv", make_conv2d(std::move(p)), {in});
  }
  NodeId dense(NodeId in, std::int64_t out, bool he, const std::string& name = {}) {
    const auto c_in = graph_.node(in).output_shape[1];
    return add("dense", make_linear(init({out, c_in}, c_in, out, he), Tensor({out}, 0.0F)), {in},
               name);
  }
  NodeId batch_norm(NodeId in) {
    const auto c = channels(in);
    return add("bn",
               make_batch_norm(Tensor({c}, 1.0F), Tensor({c}, 0.0F), Tensor({c}, 0.0F),
                               Tensor({c}, 1.0F), 1e-5F),
               {in});
  }
  NodeId relu(NodeId in) { return add("relu", make_relu(), {in}); }
  NodeId sigmoid(NodeId in, const std::string& name = {}) {
    return add("sigmoid", make_sigmoid(), {in}, name);
  }
  NodeId max_pool(NodeId in, std::int64_t kernel, std::int64_t stride) {
    Pool2dParams p;
    p.kernel = {kernel, kernel};
    p.stride = {stride, stride};
    return add("maxpool", make_max_pool2d(p), {in});
  }
  NodeId global_average_pool(NodeId in) { return add("gap", make_global_average_pool(), {in}); }
  NodeId flatten(NodeId in) { return add("flatten", make_flatten(1), {in}); }
  NodeId sum(NodeId a, NodeId b) { return add("add", make_add(), {a, b}); }

  Model finish(const ArchitectureOptions& o) {
    graph_.finalize(last_);
    return Model(std::move(graph_), InputSpec{o.sample_shape, o.mean, o.std}, o.labels);
  }

 private:
  NodeId add(const std::string& kind, std::shared_ptr<const Layer> layer,
             std::vector<NodeId> inputs, const std::string& name = {}) {
    const auto node_name = name.empty() ? kind + std::to_string(++count_[kind]) : name;
    last_ = graph_.add_node(node_name, node_name, std::move(layer), std::move(inputs));
    return last_;
  }
  // Uniform in [0, 1) from the top 53 bits, so the values are the same on every platform.
  double uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

  Tensor init(Shape shape, std::int64_t fan_in, std::int64_t fan_out, bool he) {
    Tensor w(std::move(shape));
    if (he) {
      const double sd = std::sqrt(2.0 / static_cast<double>(fan_in));
      for (auto& v : w.values()) {  // Box-Muller
        const double r = std::sqrt(-2.0 * std::log(1.0 - uniform()));
        v = static_cast<float>(sd * r * std::cos(2.0 * std::numbers::pi * uniform()));
      }
    } else {
      const double limit = std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
      for (auto& v : w.values()) v = static_cast<float>(limit * (2.0 * uniform() - 1.0));
    }
    return w;
  }

  Graph graph_;
  NodeId last_ = 0;
  std::mt19937_64 rng_;
  std::map<std::string, int> count_;
};

Model sar_cnn(const ArchitectureOptions& o) {
  Builder b(o);
  auto x = b.max_pool(b.relu(b.conv(b.last(), 16, 5, 1, true)), 2, 2);
  x = b.max_pool(b.relu(b.conv(x, 32, 5, 1, true)), 2, 2);
  x = b.relu(b.conv(x, 64, 3, 1, true));
  b.dense(b.flatten(b.global_average_pool(x)), o.classes, false);
  return b.finish(o);
}

Model alexnet_small(const ArchitectureOptions& o) {
  Builder b(o);
  auto x = b.max_pool(b.relu(b.conv(b.last(), 32, 5, 1, true)), 3, 2);
  x = b.max_pool(b.relu(b.conv(x, 64, 5, 1, true)), 3, 2);
  x = b.relu(b.conv(x, 96, 3, 1, true));
  x = b.relu(b.conv(x, 96, 3, 1, true));
  x = b.max_pool(b.relu(b.conv(x, 64, 3, 1, true)), 3, 2);
  x = b.relu(b.dense(b.flatten(x), 256, true));
  x = b.relu(b.dense(x, 128, true));
  b.dense(x, o.classes, false);
  return b.finish(o);
}

NodeId basic_block(Builder& b, NodeId in, std::int64_t out, std::int64_t stride) {
  auto x = b.relu(b.batch_norm(b.conv(in, out, 3, stride, true, false)));
  x = b.batch_norm(b.conv(x, out, 3, 1, true, false));
  NodeId shortcut = in;
  if (stride != 1 || b.channels(in) != out) {
    shortcut = b.batch_norm(b.conv(in, out, 1, stride, false, false));
  }
  return b.relu(b.sum(x, shortcut));
}

Model resnet_small(const ArchitectureOptions& o) {
  Builder b(o);
  auto x = b.relu(b.batch_norm(b.conv(b.last(), 16, 3, 1, true, false)));
  x = basic_block(b, x, 16, 1);
  x = basic_block(b, x, 32, 2);
  x = basic_block(b, x, 64, 2);
  b.dense(b.flatten(b.global_average_pool(x)), o.classes, false);
  return b.finish(o);
}

Model sparse_autoencoder(const ArchitectureOptions& o) {
  if (o.hidden < 1) {
    throw InvalidArgument("sparse-autoencoder: hidden " + std::to_string(o.hidden) +
                          " must be >= 1");
  }
  Builder b(o);
  auto x = b.sigmoid(b.dense(b.flatten(b.last()), o.hidden, false, "encoder"), "code");
  b.dense(x, o.classes, false, "classifier");
  return b.finish(o);
}

}  // namespace

ArchitectureOptions architecture_options(const Dataset& data, std::uint64_t seed) {
  ArchitectureOptions o;
  o.sample_shape = data.sample_shape();
  o.classes = static_cast<std::int64_t>(data.class_names().size());
  o.labels = data.class_names();
  o.seed = seed;
  return o;
}

std::vector<std::string> architecture_names() {
  return {"sar-cnn", "alexnet-small", "resnet-small", "sparse-autoencoder"};
}

Model build_architecture(std::string_view name, const ArchitectureOptions& options) {
  try {
    if (name == "sar-cnn") return sar_cnn(options);
    if (name == "alexnet-small") return alexnet_small(options);
    if (name == "resnet-small") return resnet_small(options);
    if (name == "sparse-autoencoder") return sparse_autoencoder(options);
  } catch (const ShapeError& e) {
    throw InvalidArgument(std::string(name) + ": the input " + to_string(options.sample_shape) +
                          " is too small for this architecture (" + e.what() + ")");
  }
  std::string known;
  for (const auto& n : architecture_names()) known += (known.empty() ? "" : ", ") + n;
  throw InvalidArgument("unknown architecture '" + std::string(name) + "'; known: " + known);
}

}  // namespace lumen::training
