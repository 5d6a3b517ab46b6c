// masked-retrain-accuracy: it is the training library's protocol with a re-initialised copy of
// the evaluated model, keeping every pixel is plain retraining, keeping none leaves a constant
// predictor, and the per-sample values are the retrained model's hits on the masked test set.
#include <catch2/catch.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/metric.hpp>
#include <lumen/training/architectures.hpp>
#include <lumen/training/masked_retrain.hpp>
#include <lumen/training/trainer.hpp>
#include <map>
#include <numeric>
#include <string>

#include "test_registry.hpp"
#include "toy_dataset.hpp"

using namespace lumen;
using lumen::testing::make_context;
using lumen::testing::registry;
using lumen::testing::separable;

namespace {

// A map of one constant value everywhere: positive keeps every pixel, negative none.
class ConstantExplainer final : public Explainer {
 public:
  explicit ConstantExplainer(float value) : value_(value) {}
  ExplainerInfo info() const override {
    ExplainerInfo i;
    i.name = "constant";
    return i;
  }

 protected:
  Attribution compute(const ExplainRequest& r, Context& /*context*/) const override {
    Attribution a;
    a.map = Tensor(r.input.shape(), value_);
    return a;
  }

 private:
  float value_;
};

Model small_cnn(const Dataset& data) {
  training::ArchitectureOptions o = training::architecture_options(data, 3);
  o.mean = {0.2F};
  o.std = {0.3F};
  return training::build_architecture("sar-cnn", o);
}

struct Run {
  const Model& model;
  const Explainer& explainer;
  const Dataset& train;
  const Dataset& test;
};

MetricResult score(const Run& run, const std::map<std::string, std::string>& values,
                   int threads = 1) {
  const auto metric = registry().metric("masked-retrain-accuracy");
  const Params params = Params::validate(metric->info().params, values, "masked-retrain-accuracy");
  const Params explainer_params = Params::validate(run.explainer.info().params, {}, "explainer");
  const DatasetCase c{run.model, run.explainer, explainer_params, params, run.train, run.test};
  return metric->evaluate(c, *make_context(threads));
}

const std::map<std::string, std::string> quick{
    {"epochs", "4"}, {"batch_size", "4"}, {"learning_rate", "0.01"}, {"seed", "5"}};

training::TrainOptions quick_options() {
  training::TrainOptions t;
  t.epochs = 4;
  t.batch_size = 4;
  t.seed = 5;
  t.optimizer.learning_rate = 0.01F;
  return t;
}

}  // namespace

TEST_CASE("masked-retrain-accuracy is the protocol on a re-initialised copy of the model") {
  const auto train = separable(2, 6, 8, 1), test = separable(2, 4, 8, 2);
  const Model model = small_cnn(train);
  const auto saliency = registry().explainer("saliency");
  const Run run{model, *saliency, train, test};
  const MetricResult result = score(run, quick);

  const training::ModelTrainer trainer = [&](const Dataset& d, Context& c) {
    return training::train(training::reinitialised(model, 5), d, quick_options(), c).model;
  };
  const training::ExplainerChoice method{
      saliency.get(), Params::validate(saliency->info().params, {}, "s"), std::nullopt};
  const auto expected =
      training::masked_retrain(model, train, test, method, trainer, {}, *make_context());
  const auto& report = expected.retrained_on_masked;
  REQUIRE(result.per_sample.size() == 8);
  for (std::size_t i = 0; i < 8; ++i) {
    CHECK(result.per_sample[i] == (report.predictions[i] == report.labels[i] ? 1.0 : 0.0));
  }
  CHECK(result.aggregate == report.accuracy);
  CHECK(result.aggregate ==
        Approx(std::accumulate(result.per_sample.begin(), result.per_sample.end(), 0.0) / 8.0));
  // The same with two threads.
  const MetricResult two = score(run, quick, 2);
  CHECK(two.per_sample == result.per_sample);
}

TEST_CASE("masked-retrain-accuracy: keeping every pixel is retraining, keeping none is constant") {
  const auto train = separable(2, 6, 8, 3), test = separable(2, 5, 8, 4);
  const Model model = small_cnn(train);
  auto options = quick;
  options["keep"] = "1";
  const ConstantExplainer everything(1.0F), nothing(-1.0F);

  // All-positive maps and keep = 1: the masks are all ones, the data unchanged.
  const MetricResult all = score({model, everything, train, test}, options);
  auto context = make_context();
  const Model plain =
      training::train(training::reinitialised(model, 5), train, quick_options(), *context).model;
  CHECK(all.aggregate == training::classification_report(plain, test, *context).accuracy);

  // No positive relevance: every image is blanked, so the fresh model sees one input and
  // predicts one class for every test image, right for exactly half of this balanced set.
  const MetricResult none = score({model, nothing, train, test}, options);
  CHECK(none.aggregate == 0.5);
  const bool first_class = none.per_sample[0] == (test.get(0).label == 0 ? 1.0 : 0.0);
  for (std::int64_t i = 0; i < test.size(); ++i) {
    const bool hit = (test.get(i).label == 0) == first_class;
    CHECK(none.per_sample[static_cast<std::size_t>(i)] == (hit ? 1.0 : 0.0));
  }
}

TEST_CASE("masked-retrain-accuracy is a dataset-level metric and refuses a batch") {
  const auto train = separable(2, 2, 8, 5);
  const Model model = small_cnn(train);
  const auto metric = registry().metric("masked-retrain-accuracy");
  CHECK(metric->info().kind == MetricKind::dataset);
  CHECK(metric->info().direction == Direction::higher_is_better);
  const Params params = Params::validate(metric->info().params, {}, "m");
  const Params explainer_params;
  const ConstantExplainer everything(1.0F);
  const Tensor x(model.batch_shape(2));
  const std::vector<std::int64_t> targets{0, 1};
  const BatchCase c{.input = x,
                    .targets = targets,
                    .attribution = x,
                    .params = params,
                    .model = &model,
                    .explainer = &everything,
                    .explainer_params = &explainer_params};
  CHECK_THROWS_AS(metric->evaluate(c, *make_context()), InvalidArgument);
  CHECK_THROWS_WITH(metric->evaluate(c, *make_context()),
                    Catch::Contains("metric 'masked-retrain-accuracy' is a dataset-level metric") &&
                        Catch::Contains("give it a DatasetCase"));
}
