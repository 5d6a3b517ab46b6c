// The mini-batch trainer: one step equals a hand-computed SGD step, training separates a toy
// problem, results do not depend on the thread count and reproduce from the seed, early stopping.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "lumen/context.hpp"
#include "lumen/error.hpp"
#include "lumen/layers.hpp"
#include "lumen/training/architectures.hpp"
#include "lumen/training/backprop.hpp"
#include "lumen/training/loss.hpp"
#include "lumen/training/trainer.hpp"
#include "naive_backend.hpp"
#include "same_parameters.hpp"
#include "toy_dataset.hpp"

using namespace lumen;
using namespace lumen::training;
using lumen::testing::naive_backend;
using lumen::testing::separable;
using lumen::training::testing::identical;

namespace {

// flatten - dense `hidden` - ReLU - dense (logits), seeded.
Model mlp(const Shape& sample, std::int64_t hidden, std::int64_t classes, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-0.5F, 0.5F);
  auto random = [&](Shape s) {
    Tensor t(std::move(s));
    for (auto& v : t.values()) v = u(rng);
    return t;
  };
  Graph g;
  const auto in = g.add_input("input", sample);
  const auto flat = g.add_node("flatten", "flatten", make_flatten(1), {in});
  const auto d1 =
      g.add_node("dense1", "dense1",
                 make_linear(random({hidden, element_count(sample)}), random({hidden})), {flat});
  const auto r = g.add_node("relu", "relu", make_relu(), {d1});
  const auto d2 = g.add_node("dense2", "dense2",
                             make_linear(random({classes, hidden}), random({classes})), {r});
  g.finalize(d2);
  return Model(std::move(g), InputSpec{sample, {}, {}});
}

std::vector<std::int64_t> all_indices(const Dataset& data) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(data.size()));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::int64_t>(i);
  return v;
}

}  // namespace

TEST_CASE("one full-batch epoch equals a hand-computed SGD step on the mean loss") {
  const auto data = separable(3, 4, 4, 1);
  // A single dense layer: its gradient is (softmax - onehot)^T x, averaged over the batch.
  Graph g;
  const auto in = g.add_input("input", {1, 4, 4});
  const auto flat = g.add_node("flatten", "flatten", make_flatten(1), {in});
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<float> u(-0.3F, 0.3F);
  Tensor w({3, 16}), b({3});
  for (auto& v : w.values()) v = u(rng);
  const auto dense = g.add_node("dense", "dense", make_linear(w, b), {flat});
  g.finalize(dense);
  const Model model(std::move(g), InputSpec{{1, 4, 4}, {}, {}});

  Tensor expected_w = w, expected_b = b;
  const float lr = 0.5F;
  for (std::int64_t s = 0; s < data.size(); ++s) {
    const Sample sample = data.get(s);
    Tensor logits({1, 3});
    for (std::int64_t j = 0; j < 3; ++j) {
      double z = b[j];
      for (std::int64_t i = 0; i < 16; ++i)
        z += static_cast<double>(w[j * 16 + i]) * sample.image[i];
      logits[j] = static_cast<float>(z);
    }
    const auto ce = softmax_cross_entropy(logits, std::vector<std::int64_t>{sample.label});
    for (std::int64_t j = 0; j < 3; ++j) {
      const double g_j = ce.gradient[j] / static_cast<double>(data.size());
      expected_b[j] -= static_cast<float>(lr * g_j);
      for (std::int64_t i = 0; i < 16; ++i) {
        expected_w[j * 16 + i] -= static_cast<float>(lr * g_j * sample.image[i]);
      }
    }
  }
  TrainOptions o;
  o.epochs = 1;
  o.batch_size = data.size();
  o.micro_batch = 5;
  o.optimizer.learning_rate = lr;
  o.optimizer.momentum = 0.0F;
  Context context(naive_backend(), 2);
  const auto result = train(model, data, o, context);
  const auto p = model_parameters(result.model);
  for (std::int64_t i = 0; i < w.size(); ++i) CHECK(p[0][i] == Approx(expected_w[i]).margin(1e-5));
  for (std::int64_t j = 0; j < 3; ++j) CHECK(p[1][j] == Approx(expected_b[j]).margin(1e-5));
  CHECK(context.counts().backward == data.size());
}

TEST_CASE("training separates a toy problem: loss decreases, 100% training accuracy") {
  const auto data = separable(3, 10, 6, 3);
  for (auto kind : {OptimizerOptions::Kind::sgd, OptimizerOptions::Kind::adam}) {
    TrainOptions o;
    o.epochs = 15;
    o.batch_size = 8;
    o.micro_batch = 2;
    o.seed = 4;
    o.optimizer.kind = kind;
    o.optimizer.learning_rate = kind == OptimizerOptions::Kind::sgd ? 0.1F : 0.01F;
    o.optimizer.weight_decay = 1e-4F;
    int calls = 0;
    o.on_epoch = [&](const EpochRecord& r) { CHECK(r.epoch == ++calls); };
    Context context(naive_backend(), 2);
    const auto result = train(mlp({1, 6, 6}, 12, 3, 5), data, o, context);
    REQUIRE(result.history.size() == 15);
    CHECK(calls == 15);
    CHECK(result.history.back().train_loss < 0.5 * result.history.front().train_loss);
    CHECK(result.history.back().train_accuracy == 1.0);
    const auto all = all_indices(data);
    const auto e = evaluate(result.model, data, all, context);
    CHECK(e.accuracy == 1.0);
    CHECK(std::isnan(result.history.back().validation_loss));
  }
}

TEST_CASE("one thread and two threads give bit-identical models (with batch-norm)") {
  const auto data = separable(2, 6, 8, 6);
  ArchitectureOptions arch;
  arch.sample_shape = {1, 8, 8};
  arch.classes = 2;
  arch.seed = 9;
  const Model start = build_architecture("resnet-small", arch);
  TrainOptions o;
  o.epochs = 1;
  o.batch_size = 6;
  o.micro_batch = 2;
  o.validation_fraction = 0.25;
  o.seed = 3;
  o.optimizer.kind = OptimizerOptions::Kind::adam;
  o.optimizer.learning_rate = 0.01F;
  Context one(naive_backend(), 1), two(naive_backend(), 2);
  const auto a = train(start, data, o, one);
  const auto b = train(start, data, o, two);
  CHECK(identical(a.model, b.model));
  CHECK(a.history.back().train_loss == b.history.back().train_loss);
  CHECK(a.history.back().validation_loss == b.history.back().validation_loss);
  CHECK_FALSE(identical(a.model, start));
  // The running statistics moved: the batch-norm layers' inference differs from the start's.
  const Tensor x = data.get(0).image.reshaped({1, 1, 8, 8});
  const auto before = forward_pass(start, x, *naive_backend(), false);
  const auto after = forward_pass(a.model, x, *naive_backend(), false);
  const auto bn = start.graph().at("bn1");
  CHECK(before.outputs[bn][0] != after.outputs[bn][0]);
}

TEST_CASE("seeded runs reproduce, and another seed shuffles differently") {
  const auto data = separable(2, 8, 4, 7);
  TrainOptions o;
  o.epochs = 2;
  o.batch_size = 4;
  o.micro_batch = 2;
  o.validation_fraction = 0.25;
  o.seed = 11;
  Context context(naive_backend(), 2);
  const Model start = mlp({1, 4, 4}, 6, 2, 1);
  const auto a = train(start, data, o, context);
  const auto b = train(start, data, o, context);
  CHECK(identical(a.model, b.model));
  o.seed = 12;
  const auto c = train(start, data, o, context);
  CHECK_FALSE(identical(a.model, c.model));

  const auto s1 = split_indices(20, 0.25, 5), s2 = split_indices(20, 0.25, 5);
  CHECK(s1.validation.size() == 5);
  CHECK(s1.train.size() == 15);
  CHECK(s1.validation == s2.validation);
  std::vector<std::int64_t> seen = s1.train;
  seen.insert(seen.end(), s1.validation.begin(), s1.validation.end());
  std::sort(seen.begin(), seen.end());
  for (std::int64_t i = 0; i < 20; ++i) CHECK(seen[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("early stopping stops after `patience` epochs without improvement") {
  const auto data = separable(2, 8, 4, 8);
  TrainOptions o;
  o.epochs = 10;
  o.batch_size = 4;
  o.validation_fraction = 0.25;
  o.patience = 2;
  o.optimizer.learning_rate = 0.0F;  // nothing changes, so epoch 1 stays the best
  Context context(naive_backend(), 1);
  const Model start = mlp({1, 4, 4}, 6, 2, 2);
  const auto stalled = train(start, data, o, context);
  CHECK(stalled.history.size() == 3);
  CHECK(stalled.stopped_early);
  CHECK(stalled.best_epoch == 1);

  o.optimizer.learning_rate = 0.1F;
  o.epochs = 4;
  const auto learning = train(start, data, o, context);
  CHECK(learning.history.size() == 4);
  CHECK_FALSE(learning.stopped_early);
  CHECK(learning.best_epoch > 1);
}

TEST_CASE("train refuses invalid options and data that does not fit the model") {
  const auto data = separable(3, 2, 4, 9);
  Context context(naive_backend(), 1);
  TrainOptions o;
  o.batch_size = 0;
  CHECK_THROWS_WITH(train(mlp({1, 4, 4}, 4, 3, 1), data, o, context),
                    Catch::Contains("batch_size"));
  o = {};
  o.validation_fraction = 1.0;
  CHECK_THROWS_WITH(train(mlp({1, 4, 4}, 4, 3, 1), data, o, context),
                    Catch::Contains("validation_fraction"));
  o = {};
  CHECK_THROWS_WITH(train(mlp({1, 5, 5}, 4, 3, 1), data, o, context), Catch::Contains("[1,4,4]"));
  CHECK_THROWS_WITH(train(mlp({1, 4, 4}, 4, 2, 1), data, o, context),
                    Catch::Contains("has label 2"));
  o.frozen = {"nowhere"};
  CHECK_THROWS_AS(train(mlp({1, 4, 4}, 4, 3, 1), data, o, context), Error);
}
