// The built-in architectures: their layer structure, seeded initialisation statistics and that
// each trains (a few steps lower the loss of a tiny problem).
#include <catch2/catch.hpp>
#include <cmath>

#include "lumen/context.hpp"
#include "lumen/error.hpp"
#include "lumen/training/architectures.hpp"
#include "lumen/training/backprop.hpp"
#include "lumen/training/trainer.hpp"
#include "naive_backend.hpp"
#include "toy_dataset.hpp"

using namespace lumen;
using namespace lumen::training;
using lumen::testing::naive_backend;

namespace {

int count_ops(const Model& m, const std::string& op) {
  int n = 0;
  for (NodeId id = 0; id < m.graph().size(); ++id) n += m.graph().node(id).layer->op_type() == op;
  return n;
}

}  // namespace

TEST_CASE("architectures have the documented layers") {
  ArchitectureOptions o;
  o.sample_shape = {2, 64, 64};
  o.classes = 10;
  const Model sar = build_architecture("sar-cnn", o);
  CHECK(count_ops(sar, "Conv") == 3);
  CHECK(count_ops(sar, "MaxPool") == 2);
  CHECK(count_ops(sar, "Gemm") == 1);
  CHECK(sar.class_count() == 10);
  CHECK(sar.graph().node(sar.graph().at("conv1")).layer->describe().find("5x5") == 0);

  const Model alex = build_architecture("alexnet-small", o);
  CHECK(count_ops(alex, "Conv") == 5);
  CHECK(count_ops(alex, "Gemm") == 3);
  const Model res = build_architecture("resnet-small", o);
  CHECK(count_ops(res, "BatchNormalization") == 1 + 2 * 3 + 2);  // stem, blocks, projections
  CHECK(count_ops(res, "Add") == 3);
  CHECK(has_training_layers(res));
  o.hidden = 50;
  const Model sae = build_architecture("sparse-autoencoder", o);
  CHECK(sae.graph().node(sae.graph().at("encoder")).layer->parameters()[0]->shape() ==
        Shape{50, 2 * 64 * 64});

  CHECK_THROWS_WITH(build_architecture("vgg", o), Catch::Contains("sar-cnn"));
  o.sample_shape = {1, 4, 4};
  CHECK_THROWS_WITH(build_architecture("alexnet-small", o), Catch::Contains("too small"));
}

TEST_CASE("initialisation is seeded: He-normal conv weights, zero biases") {
  ArchitectureOptions o;
  o.sample_shape = {1, 32, 32};
  o.seed = 5;
  const Model a = build_architecture("sar-cnn", o), b = build_architecture("sar-cnn", o);
  o.seed = 6;
  const Model c = build_architecture("sar-cnn", o);
  const auto pa = model_parameters(a), pb = model_parameters(b), pc = model_parameters(c);
  CHECK(pa[2][0] == pb[2][0]);
  CHECK(pa[2][0] != pc[2][0]);
  // conv2: 32 x 16 x 5 x 5 weights with standard deviation sqrt(2 / 400).
  const Tensor& w = pa[2];
  double sum = 0.0, squares = 0.0;
  for (float v : w.values()) {
    sum += v;
    squares += static_cast<double>(v) * v;
  }
  const double n = static_cast<double>(w.size());
  CHECK(sum / n == Approx(0.0).margin(0.01));
  CHECK(std::sqrt(squares / n) == Approx(std::sqrt(2.0 / 400.0)).epsilon(0.05));
  for (float v : pa[3].values()) CHECK(v == 0.0F);
}

TEST_CASE("every architecture trains on a tiny problem") {
  const auto data = lumen::testing::separable(2, 4, 16, 1);
  for (const auto& name : architecture_names()) {
    INFO(name);
    ArchitectureOptions o;
    o.sample_shape = {1, 16, 16};
    o.classes = 2;
    o.hidden = 8;
    o.seed = 2;
    const Model start = build_architecture(name, o);
    TrainOptions t;
    t.epochs = 8;
    t.batch_size = 8;
    t.micro_batch = 4;
    t.optimizer.kind = OptimizerOptions::Kind::adam;
    t.optimizer.learning_rate = 0.001F;
    Context context(naive_backend(), 2);
    const auto r = train(start, data, t, context);
    REQUIRE(r.history.size() == 8);
    CHECK(std::isfinite(r.history.back().train_loss));
    for (const auto& e : r.history) UNSCOPED_INFO("epoch " << e.epoch << " loss " << e.train_loss);
    CHECK(r.history.back().train_loss < r.history.front().train_loss);
  }
}

TEST_CASE("reinitialised: same architecture, fresh seeded parameters within the He-uniform bound") {
  ArchitectureOptions o;
  o.sample_shape = {1, 16, 16};
  o.classes = 3;
  o.seed = 4;
  o.mean = {0.5F};
  o.std = {0.25F};
  const Model trained = build_architecture("resnet-small", o);
  const Model fresh = reinitialised(trained, 9);
  REQUIRE(fresh.graph().size() == trained.graph().size());
  CHECK(fresh.input_spec().mean == trained.input_spec().mean);
  const auto before = model_parameters(trained), after = model_parameters(fresh);
  const auto owners = parameter_owners(fresh);
  REQUIRE(after.size() == before.size());
  bool moved = false;
  for (std::size_t k = 0; k < after.size(); ++k) {
    REQUIRE(after[k].shape() == before[k].shape());
    const std::string op = fresh.graph().node(owners[k]).layer->op_type();
    const bool first = k == 0 || owners[k - 1] != owners[k];
    for (std::int64_t i = 0; i < after[k].size(); ++i) {
      if (op == "BatchNormalization") {
        REQUIRE(after[k][i] == (first ? 1.0F : 0.0F));
      } else if (!first) {
        REQUIRE(after[k][i] == 0.0F);
      } else {
        const double fan_in = static_cast<double>(after[k].size() / after[k].dim(0));
        REQUIRE(std::abs(after[k][i]) <= std::sqrt(6.0 / fan_in));
        moved = moved || after[k][i] != before[k][i];
      }
    }
  }
  CHECK(moved);
  // The seed alone decides the values.
  const auto again = model_parameters(reinitialised(trained, 9));
  const auto other = model_parameters(reinitialised(trained, 10));
  CHECK(again[0].values()[0] == after[0].values()[0]);
  CHECK(other[0].values()[0] != after[0].values()[0]);
}
