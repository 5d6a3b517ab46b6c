// merge-batch-norm: the folded model computes what the original does, the original is left as it
// is, and each folded layer's transformed weights are those of the layer folded by hand, for a
// batch-norm after a Conv or Gemm and after a channel Concat of them.
#include <catch2/catch.hpp>
#include <cmath>
#include <lumen/canonizer.hpp>
#include <lumen/layer_config.hpp>
#include <lumen/layers.hpp>
#include <lumen/registry.hpp>
#include <lumen/trace.hpp>
#include <random>

#include "explain_helpers.hpp"
#include "test_models.hpp"
#include "test_registry.hpp"

using namespace lumen;
using namespace lumen::testing;

namespace {

struct Norm {
  Tensor scale, bias, mean, variance;
  // Channels [begin, begin + count).
  Norm slice(std::int64_t begin, std::int64_t count) const {
    Norm n{Tensor({count}), Tensor({count}), Tensor({count}), Tensor({count})};
    for (std::int64_t c = 0; c < count; ++c) {
      n.scale[c] = scale[begin + c];
      n.bias[c] = bias[begin + c];
      n.mean[c] = mean[begin + c];
      n.variance[c] = variance[begin + c];
    }
    return n;
  }
  float a(std::int64_t c) const { return scale[c] / std::sqrt(variance[c] + 1e-3F); }
  float shift(std::int64_t c) const { return bias[c] - mean[c] * a(c); }
  std::shared_ptr<const Layer> layer() const {
    return make_batch_norm(scale, bias, mean, variance, 1e-3F);
  }
};

struct Parts {
  std::mt19937_64 rng;
  Tensor normal(const Shape& s) {
    std::normal_distribution<float> d(0.0F, 0.4F);
    Tensor t(s);
    for (float& v : t.values()) v = d(rng);
    return t;
  }
  // Scales of both signs (odd channels negative), variances in [0.5, 1.5).
  Norm norm(std::int64_t c) {
    std::uniform_real_distribution<float> u(0.0F, 1.0F);
    Norm n{Tensor({c}), Tensor({c}), Tensor({c}), Tensor({c})};
    for (std::int64_t i = 0; i < c; ++i) {
      n.scale[i] = (0.5F + u(rng)) * (i % 2 ? -1.0F : 1.0F);
      n.bias[i] = u(rng) - 0.5F;
      n.mean[i] = u(rng) - 0.5F;
      n.variance[i] = 0.5F + u(rng);
    }
    return n;
  }
};

std::shared_ptr<const Layer> conv(Tensor w, std::optional<Tensor> b, std::int64_t stride) {
  Conv2dParams p;
  p.weight = std::move(w);
  p.bias = std::move(b);
  p.pads = {1, 0, 2, 1};
  p.stride = {stride, stride};
  return make_conv2d(std::move(p));
}

// Weights a_c W_c and bias a_c b_c + shift_c, by hand.
std::pair<Tensor, Tensor> fold_by_hand(const Tensor& w, const std::optional<Tensor>& b,
                                       const Norm& n) {
  Tensor fw = w, fb({w.dim(0)});
  const std::int64_t per = w.size() / w.dim(0);
  for (std::int64_t c = 0; c < w.dim(0); ++c) {
    for (std::int64_t i = 0; i < per; ++i) fw[c * per + i] *= n.a(c);
    fb[c] = n.a(c) * (b ? (*b)[c] : 0.0F) + n.shift(c);
  }
  return {fw, fb};
}

// input [2,7,7] -> conv1 (bias, stride 2) -> bn1 -> relu1 -> bn_after_relu -> conv2 (no bias)
// -> bn2 -> add(bn2, conv3) where conv3 also feeds bn3 (two readers: not folded) -> relu2 -> gap
// -> flatten -> fc -> bn_fc. With `by_hand`, the foldable batch-norms are folded by hand.
struct Net {
  Model model;
  std::vector<std::string> foldable;
};

Net net(std::uint64_t seed, bool by_hand) {
  Parts p{std::mt19937_64(seed)};
  const Tensor w1 = p.normal({4, 2, 3, 3}), b1 = p.normal({4});
  const Tensor w2 = p.normal({4, 4, 3, 3}), w3 = p.normal({4, 4, 3, 3});
  const Tensor wf = p.normal({3, 4}), bf = p.normal({3});
  const Norm n1 = p.norm(4), nr = p.norm(4), n2 = p.norm(4), n3 = p.norm(4), nf = p.norm(3);
  Graph g;
  const auto x = g.add_input("input", {2, 7, 7});
  auto linear_and_norm = [&](const std::string& name, const std::string& norm_name,
                             std::function<std::shared_ptr<const Layer>(Tensor, Tensor)> make,
                             const Tensor& w, const std::optional<Tensor>& b,
                             std::shared_ptr<const Layer> plain, const Norm& n, NodeId in) {
    if (!by_hand) {
      const auto l = g.add_node(name, "", plain, {in});
      return g.add_node(norm_name, "", n.layer(), {l});
    }
    auto [fw, fb] = fold_by_hand(w, b, n);
    const auto l = g.add_node(name, "", make(fw, fb), {in});
    return g.add_node(norm_name, "", make_identity("Identity"), {l});
  };
  auto make_conv = [](std::int64_t stride) {
    return [stride](Tensor w, Tensor b) { return conv(std::move(w), std::move(b), stride); };
  };
  const auto bn1 = linear_and_norm("conv1", "bn1", make_conv(2), w1, b1, conv(w1, b1, 2), n1, x);
  const auto r1 = g.add_node("relu1", "", make_relu(), {bn1});
  const auto nr_id = g.add_node("bn_after_relu", "", nr.layer(), {r1});
  const auto bn2 = linear_and_norm("conv2", "bn2", make_conv(1), w2, std::nullopt,
                                   conv(w2, std::nullopt, 1), n2, nr_id);
  const auto c3 = g.add_node("conv3", "", conv(w3, std::nullopt, 1), {nr_id});
  const auto bn3 = g.add_node("bn3", "", n3.layer(), {c3});
  const auto sum = g.add_node("add", "", make_add(), {bn2, bn3, c3});
  const auto r2 = g.add_node("relu2", "", make_relu(), {sum});
  const auto gap = g.add_node("gap", "", make_global_average_pool(), {r2});
  const auto flat = g.add_node("flatten", "", make_flatten(1), {gap});
  const auto out = linear_and_norm(
      "fc", "bn_fc", [](Tensor w, Tensor b) { return make_linear(std::move(w), std::move(b)); }, wf,
      bf, make_linear(wf, bf), nf, flat);
  g.finalize(out);
  return {Model(std::move(g), InputSpec{{2, 7, 7}, {}, {}}), {"bn1", "bn2", "bn_fc"}};
}

CanonizedModel merged(const Model& model) {
  auto context = make_context();
  const std::vector<std::string> names{"merge-batch-norm"};
  return canonize(model, names, registry(), context->backend());
}

// {batch-norm, "into ..."} of each "folded batch-norm BN into ..." note.
std::vector<std::pair<std::string, std::string>> folded(const CanonizedModel& c) {
  const std::string prefix = "folded batch-norm ";
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& note : c.notes) {
    if (!note.starts_with(prefix)) continue;
    const auto into = note.find(" into ");
    out.emplace_back(note.substr(prefix.size(), into - prefix.size()), note.substr(into + 6));
  }
  return out;
}

const std::vector<WeightTransform> kTransforms = {
    {WeightTransform::Kind::identity, 0.0F}, {WeightTransform::Kind::positive, 0.0F},
    {WeightTransform::Kind::negative, 0.0F}, {WeightTransform::Kind::gamma, 0.25F},
    {WeightTransform::Kind::square, 0.0F},   {WeightTransform::Kind::flat, 0.0F},
};

// Every WeightTransform, with and without bias, forward and backward, of node `name` of `c`
// against the same node of `expected`.
void check_transforms(const CanonizedModel& c, const Model& expected, const char* name,
                      std::uint64_t seed) {
  auto context = make_context();
  const auto& backend = context->backend();
  const Graph& g = c.model.graph();
  const Node& node = g.node(g.at(name));
  const LinearLayer* folded = node.layer->as_linear();
  const LinearLayer* by_hand = expected.graph().node(expected.graph().at(name)).layer->as_linear();
  REQUIRE(folded);
  REQUIRE(by_hand);
  Shape in_shape = g.node(node.inputs[0]).output_shape;
  in_shape[0] = 2;
  Shape out_shape = node.output_shape;
  out_shape[0] = 2;
  const Tensor x = random_tensor(in_shape, seed + 1);
  const Tensor dy = random_tensor(out_shape, seed + 2);
  for (const auto& t : kTransforms) {
    for (bool bias : {false, true}) {
      CAPTURE(name, static_cast<int>(t.kind), bias);
      CHECK(relative_difference(folded->forward_with(x, t, bias, backend),
                                by_hand->forward_with(x, t, bias, backend)) < 1e-5);
    }
    CHECK(relative_difference(folded->backward_with(dy, in_shape, t, backend),
                              by_hand->backward_with(dy, in_shape, t, backend)) < 1e-5);
  }
}

// input [2,6,6] -> conv_a (4 channels, bias) and conv_b (3 channels, no bias) ->
// Concat(conv_a, conv_b) -> bn_cat -> relu -> gap -> flatten -> fc. `kind` varies the Concat:
// "conv" as above; "relu" puts a ReLU between conv_b and the Concat; "height" joins two Convs of
// 4 channels along the height; "shared" lets conv_b also feed the Add after the ReLU. With
// `by_hand` (kind "conv" only), bn_cat is folded into conv_a and conv_b by hand.
Model concat_net(std::uint64_t seed, const std::string& kind, bool by_hand = false) {
  Parts p{std::mt19937_64(seed)};
  const std::int64_t cb = kind == "height" ? 4 : 3;
  const Tensor wa = p.normal({4, 2, 3, 3}), ba = p.normal({4}), wb = p.normal({cb, 2, 3, 3});
  const std::int64_t channels = kind == "height" ? 4 : 4 + cb;
  const Norm n = p.norm(channels);
  const Tensor wf = p.normal({3, channels}), bf = p.normal({3});
  Graph g;
  const auto x = g.add_input("input", {2, 6, 6});
  NodeId a = 0, b = 0;
  if (by_hand) {
    auto [fa, fba] = fold_by_hand(wa, ba, n.slice(0, 4));
    auto [fb, fbb] = fold_by_hand(wb, std::nullopt, n.slice(4, cb));
    a = g.add_node("conv_a", "", conv(fa, fba, 1), {x});
    b = g.add_node("conv_b", "", conv(fb, fbb, 1), {x});
  } else {
    a = g.add_node("conv_a", "", conv(wa, ba, 1), {x});
    b = g.add_node("conv_b", "", conv(wb, std::nullopt, 1), {x});
  }
  NodeId second = b;
  if (kind == "relu") second = g.add_node("relu_b", "", make_relu(), {b});
  const auto cat = g.add_node("cat", "", make_concat(kind == "height" ? 2 : 1), {a, second});
  const auto bn = g.add_node("bn_cat", "", by_hand ? make_identity("Identity") : n.layer(), {cat});
  auto r = g.add_node("relu", "", make_relu(), {bn});
  if (kind == "shared") {
    Conv2dParams widen_params;  // 1x1, no padding: conv_b's shape with the Concat's channels
    widen_params.weight = p.normal({channels, cb, 1, 1});
    const auto widen = g.add_node("widen", "", make_conv2d(std::move(widen_params)), {b});
    r = g.add_node("add", "", make_add(), {r, widen});
  }
  const auto gap = g.add_node("gap", "", make_global_average_pool(), {r});
  const auto flat = g.add_node("flatten", "", make_flatten(1), {gap});
  g.finalize(g.add_node("fc", "", make_linear(wf, bf), {flat}));
  return Model(std::move(g), InputSpec{{2, 6, 6}, {}, {}});
}

}  // namespace

TEST_CASE("merge-batch-norm keeps predictions and leaves the model bit-identical", "[canonize]") {
  for (std::uint64_t seed : {1U, 2U, 3U}) {
    const Net original = net(seed, false);
    const Tensor x = random_tensor(original.model.batch_shape(3), seed + 10);
    const Tensor before = logits(original.model, x);
    auto context = make_context();
    const CanonizedModel c = merged(original.model);
    const Tensor after = logits(original.model, x);
    CHECK(relative_difference(after, before) == 0.0);  // bit-identical
    CHECK(relative_difference(logits(c.model, x), before) < 1e-5);
    // The original still has its batch-norm layers, the canonized one Identities in their place.
    const Graph& g = original.model.graph();
    REQUIRE(c.model.graph().size() == g.size());
    for (NodeId id = 0; id < g.size(); ++id) {
      CHECK(c.model.graph().node(id).name == g.node(id).name);
      CHECK(c.model.graph().node(id).inputs == g.node(id).inputs);
    }
    std::vector<std::string> norms;
    for (const auto& [norm, linear] : folded(c)) {
      norms.push_back(norm);
      CHECK(g.node(g.at(norm)).layer->op_type() == "BatchNormalization");
      CHECK(c.model.graph().node(g.at(norm)).layer->op_type() == "Identity");
      CHECK(c.model.graph().node(g.at(linear)).layer->op_type() ==
            g.node(g.at(linear)).layer->op_type());
    }
    CHECK(norms == original.foldable);
  }
}

TEST_CASE("batch-norms not following a single-reader Conv/Gemm are left as they are",
          "[canonize]") {
  const Net original = net(4, false);
  const CanonizedModel c = merged(original.model);
  const Graph& g = original.model.graph();
  for (const char* kept : {"bn_after_relu", "bn3", "conv3"}) {
    CAPTURE(kept);
    CHECK(c.model.graph().node(g.at(kept)).layer == g.node(g.at(kept)).layer);
  }
  // A model without batch-norm comes back with the same layers.
  const Model plain = conv_net(4);
  const CanonizedModel same = merged(plain);
  CHECK(same.notes.empty());
  for (NodeId id = 0; id < plain.graph().size(); ++id)
    if (id != plain.graph().input())
      CHECK(same.model.graph().node(id).layer == plain.graph().node(id).layer);
}

TEST_CASE("a batch-norm after a Gemm over the last axis of an NHWC tensor is kept", "[canonize]") {
  // [N,2,3,3] -> Transpose to [N,3,3,2] -> Gemm 2->4 over the last axis -> batch-norm over axis 1
  // (of size 3, not the Gemm's outputs) -> Flatten -> Gemm.
  Graph g;
  const auto in = g.add_input("input", {2, 3, 3});
  const auto t = g.add_node("nhwc", "", make_transpose({0, 2, 3, 1}), {in});
  const auto fc1 =
      g.add_node("fc1", "", make_linear(random_tensor({4, 2}, 1), random_tensor({4}, 2)), {t});
  const auto bn = g.add_node("bn", "",
                             make_batch_norm(random_tensor({3}, 3), random_tensor({3}, 4),
                                             random_tensor({3}, 5), Tensor({3}, 1.0F), 1e-5F),
                             {fc1});
  const auto flat = g.add_node("flatten", "", make_flatten(1), {bn});
  const auto fc =
      g.add_node("fc", "logits", make_linear(random_tensor({2, 36}, 6), std::nullopt), {flat});
  g.finalize(fc);
  const Model model(std::move(g), InputSpec{{2, 3, 3}, {}, {}});
  const CanonizedModel c = merged(model);
  CHECK(c.model.graph().node(bn).layer == model.graph().node(bn).layer);
  REQUIRE(c.notes.size() == 1);
  CHECK_THAT(c.notes[0], Catch::Matchers::Contains("Gemm over the last axis of [1,3,3,4]"));
}

TEST_CASE("a folded layer's transformed weights equal those of the layer folded by hand",
          "[canonize]") {
  // Against Conv/Gemm layers built from hand-folded weights (scales of both signs, so every
  // rewrite in terms() is used).
  for (std::uint64_t seed : {5U, 6U}) {
    const Net original = net(seed, false);
    const Net by_hand = net(seed, true);
    const CanonizedModel c = merged(original.model);
    for (const char* name : {"conv1", "conv2", "fc"})
      check_transforms(c, by_hand.model, name, seed);
  }
}

TEST_CASE("a batch-norm after a channel Concat of Convs is folded into each of them",
          "[canonize]") {
  for (std::uint64_t seed : {7U, 8U}) {
    const Model original = concat_net(seed, "conv");
    const Model by_hand = concat_net(seed, "conv", true);
    const Tensor x = random_tensor(original.batch_shape(3), seed + 10);
    const Tensor before = logits(original, x);
    const CanonizedModel c = merged(original);
    CHECK(relative_difference(logits(original, x), before) == 0.0);  // left as it is
    CHECK(relative_difference(logits(by_hand, x), before) < 1e-5);
    CHECK(relative_difference(logits(c.model, x), before) < 1e-5);
    CHECK(c.notes ==
          std::vector<std::string>{
              "folded batch-norm bn_cat into conv_a, conv_b (the inputs of concat cat)"});
    const Graph& g = c.model.graph();
    CHECK(g.node(g.at("bn_cat")).layer->op_type() == "Identity");
    CHECK(g.node(g.at("cat")).layer == original.graph().node(g.at("cat")).layer);
    for (const char* name : {"conv_a", "conv_b"}) check_transforms(c, by_hand, name, seed);
  }
}

TEST_CASE("a batch-norm after a Concat that is not of single-reader Convs on the channels is kept",
          "[canonize]") {
  const std::map<std::string, std::string> reasons{
      {"relu",
       "batch-norm bn_cat not folded: after concat 'cat', its input 'relu_b' is a Relu, not a Conv "
       "or Gemm"},
      {"height",
       "batch-norm bn_cat not folded: its input, concat 'cat', joins axis 2, not the "
       "channels"},
      {"shared",
       "batch-norm bn_cat not folded: after concat 'cat', its input 'conv_b' is also read by other "
       "nodes"},
  };
  for (const auto& [kind, reason] : reasons) {
    CAPTURE(kind);
    const Model original = concat_net(9, kind);
    const Tensor x = random_tensor(original.batch_shape(2), 11);
    const CanonizedModel c = merged(original);
    CHECK(c.notes == std::vector<std::string>{reason});
    const Graph& g = original.graph();
    for (NodeId id = 0; id < g.size(); ++id)
      if (id != g.input()) CHECK(c.model.graph().node(id).layer == g.node(id).layer);
    CHECK(relative_difference(logits(c.model, x), logits(original, x)) == 0.0);
  }
}
