// masked-retrain-accuracy: the CNN-LRP paper's protocol as a metric. The explainer's maps keep
// the most relevant pixels of every training and test image as a mask; a fresh model of the
// evaluated model's architecture (re-initialised, then trained on the masked training images)
// classifies the masked test images. Good maps keep what a model needs to learn the classes, so
// higher is better. A dataset-level metric (MetricKind::dataset): scored once per explainer, one
// 0/1 value per test sample (whether the retrained model classifies its masked image correctly).
#include <lumen/dataset.hpp>
#include <lumen/explainer.hpp>
#include <lumen/metric.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/training/architectures.hpp>
#include <lumen/training/masked_retrain.hpp>
#include <lumen/training/trainer.hpp>
#include <memory>
#include <string>

namespace {

using lumen::ParamType;
using lumen::training::TargetChoice;

TargetChoice target_choice(const std::string& value) {
  return value == "label" ? TargetChoice::label : TargetChoice::prediction;
}

lumen::training::TrainOptions train_options(const lumen::Params& p) {
  lumen::training::TrainOptions t;
  t.epochs = static_cast<int>(p.integer("epochs"));
  t.batch_size = p.integer("batch_size");
  t.seed = static_cast<std::uint64_t>(p.integer("seed"));
  t.optimizer.kind = p.text("optimizer") == "sgd" ? lumen::training::OptimizerOptions::Kind::sgd
                                                  : lumen::training::OptimizerOptions::Kind::adam;
  t.optimizer.learning_rate = static_cast<float>(p.real("learning_rate"));
  return t;
}

class MaskedRetrainAccuracy final : public lumen::Metric {
 public:
  lumen::MetricInfo info() const override {
    lumen::MetricInfo i;
    i.name = "masked-retrain-accuracy";
    i.summary =
        "accuracy on masked test images of a fresh model of the same architecture trained on "
        "training images masked to their most relevant pixels (per sample: 1 when classified "
        "correctly)";
    i.citation =
        "B. Zang, L. Ding, Z. Feng, M. Zhu, T. Lei, M. Xing, X. Zhou. CNN-LRP: Understanding "
        "Convolutional Neural Networks Performance for Target Recognition in SAR Images. "
        "Sensors 21(13), 4536, 2021 (masked-data retraining, Table 1).";
    i.direction = lumen::Direction::higher_is_better;
    i.min = 0.0;
    i.max = 1.0;
    i.kind = lumen::MetricKind::dataset;
    i.needs = lumen::needs_model | lumen::needs_explainer;
    i.params = {
        lumen::param::real("keep", 0.7, "share of the positive relevance the mask keeps")
            .within(1e-9, 1.0),
        lumen::param::choice("keep_rule", "mass", {"mass", "count"},
                             "mass: the fewest pixels holding `keep` of the positive relevance; "
                             "count: the top `keep` "
                             "share of the positively relevant pixels"),
        lumen::param::choice("train_targets", "label", {"label", "prediction"},
                             "class the training images are explained for"),
        lumen::param::choice(
            "test_targets", "prediction", {"label", "prediction"},
            "class the test images are explained for (prediction: no label reaches the mask)"),
        lumen::param::integer("epochs", 10, "training epochs of the fresh model").within(1, 10000),
        lumen::param::integer("batch_size", 32, "training mini-batch").within(1, 1e6),
        lumen::param::choice("optimizer", "adam", {"adam", "sgd"}, "adam or sgd (momentum 0.9)"),
        lumen::param::real("learning_rate", 0.001, "optimizer step size").within(1e-9, 10.0),
        lumen::param::integer("seed", 0, "seeds the fresh model's initialisation and the shuffling")
            .within(0, 9007199254740992.0),
    };
    return i;
  }

 private:
  lumen::MetricResult score_dataset(const lumen::DatasetCase& c,
                                    lumen::Context& context) const override {
    const lumen::Params& p = c.params;
    const lumen::Model& model = c.model;
    const auto options = train_options(p);
    const std::uint64_t seed = options.seed;
    const lumen::training::ModelTrainer trainer = [&](const lumen::Dataset& data,
                                                      lumen::Context& ctx) {
      return lumen::training::train(lumen::training::reinitialised(model, seed), data, options, ctx)
          .model;
    };
    lumen::training::MaskedRetrainOptions protocol;
    protocol.mask.keep = p.real("keep");
    protocol.mask.rule = p.text("keep_rule") == "count" ? lumen::training::KeepRule::count
                                                        : lumen::training::KeepRule::mass;
    protocol.train_targets = target_choice(p.text("train_targets"));
    protocol.test_targets = target_choice(p.text("test_targets"));
    const lumen::training::ExplainerChoice method{&c.explainer, c.explainer_params, c.layer};
    const auto r = lumen::training::masked_retrain(model, c.train_data, c.test_data, method,
                                                   trainer, protocol, context);
    const auto& report = r.retrained_on_masked;
    lumen::MetricResult result;
    for (std::size_t i = 0; i < report.labels.size(); ++i) {
      result.per_sample.push_back(report.predictions[i] == report.labels[i] ? 1.0 : 0.0);
    }
    result.aggregate = report.accuracy;
    return result;
  }
};

void fill(lumen::Registrar& registrar) {
  registrar.add_metric(std::make_shared<MaskedRetrainAccuracy>());
}

}  // namespace

LUMEN_PLUGIN("masked-retrain-accuracy", "0.1.0", fill)
