#pragma once
/// The CNN-LRP paper's masked-retraining protocol (its §5, lumen's `masked-retrain-accuracy`):
/// explain every image, keep the most relevant pixels as a binary mask, train a fresh model of
/// the same architecture on the masked training images and measure it on masked test images.
///
/// "Keep the top 70% of positive relevance", precisely (KeepRule::mass, the default): per image,
/// the pixel relevance is the attribution summed over channels; the pixels with positive
/// relevance are ranked by relevance, highest first (ties by pixel index, lowest first), and the
/// mask is the shortest prefix of that ranking whose relevance sum reaches `keep` times the
/// image's total positive relevance: the smallest set of pixels holding that share of the
/// relevance mass. KeepRule::count reads the phrase as a share of pixels instead: the
/// ceil(keep * P) highest of the P positive pixels. Pixels with zero or negative relevance are
/// never kept; an image without positive relevance gets an empty mask.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lumen/context.hpp"
#include "lumen/dataset.hpp"
#include "lumen/explainer.hpp"
#include "lumen/model.hpp"
#include "lumen/params.hpp"
#include "lumen/tensor.hpp"
#include "lumen/training/trainer.hpp"

namespace lumen::training {

enum class KeepRule {
  mass,   ///< the fewest pixels holding `keep` of the positive relevance (the default)
  count,  ///< the top `keep` share of the positively relevant pixels
};

struct MaskOptions {
  double keep = 0.7;  ///< in (0, 1]
  KeepRule rule = KeepRule::mass;
};

/// Binary masks [N, 1, H, W] (1 = kept) of attributions [N, C, H, W], as the file comment
/// defines. Throws InvalidArgument for another rank or `keep` outside (0, 1].
Tensor relevance_masks(const Tensor& attribution, const MaskOptions& options);

/// An in-memory copy of a dataset whose images are multiplied by per-sample masks ([1, H, W],
/// applied to every channel). Labels, ground-truth masks and class names are the source's; ids
/// get " (masked)" appended. Immutable; get() is thread-safe.
class MaskedDataset final : public Dataset {
 public:
  /// Reads every sample of `source`; throws InvalidArgument unless there is one mask [1, H, W]
  /// per sample.
  MaskedDataset(const Dataset& source, const std::vector<Tensor>& masks);
  std::int64_t size() const override { return static_cast<std::int64_t>(samples_.size()); }
  std::vector<std::string> class_names() const override { return classes_; }
  Shape sample_shape() const override { return shape_; }
  bool has_masks() const override { return has_masks_; }
  Sample get(std::int64_t index) const override;

 private:
  std::vector<std::string> classes_;
  Shape shape_;
  bool has_masks_ = false;
  std::vector<Sample> samples_;
};

/// Which class each image is explained for.
enum class TargetChoice {
  label,       ///< the true label
  prediction,  ///< the model's predicted class (no label information reaches the mask)
};

/// An explainer, its validated parameters and the layer it works at (empty: its default).
struct ExplainerChoice {
  const Explainer* explainer = nullptr;
  Params params;
  std::optional<NodeId> layer;
};

/// Explains every sample of `data` with `model` in fixed batches of `batch_size` samples,
/// the batches in parallel on the context, and returns one mask [1, H, W] per sample. Images are
/// normalised by the model's input spec (as the trainer does) before they are explained.
std::vector<Tensor> explanation_masks(const Model& model, const Dataset& data,
                                      const ExplainerChoice& method, TargetChoice targets,
                                      const MaskOptions& options, Context& context,
                                      std::int64_t batch_size = 16);

/// Accuracy, per-class accuracy and the confusion matrix of a classifier on a dataset.
struct ClassificationReport {
  std::vector<std::string> class_names;
  double accuracy = 0.0;                  ///< fraction in [0, 1]
  std::vector<double> class_accuracy;     ///< per true class; NaN for a class without samples
  std::vector<std::int64_t> class_count;  ///< samples per true class
  /// confusion[true][predicted] = sample count.
  std::vector<std::vector<std::int64_t>> confusion;
  std::vector<std::int64_t> labels, predictions;  ///< per sample, in dataset order
};

/// Classifies every sample of `data` (inference mode, batches of `batch_size` in parallel).
ClassificationReport classification_report(const Model& model, const Dataset& data,
                                           Context& context, std::int64_t batch_size = 32);

/// Trains a fresh model on a dataset (seeded, so the same data give the same model).
using ModelTrainer = std::function<Model(const Dataset& data, Context& context)>;

/// A ModelTrainer for a built-in architecture (architectures.hpp) initialised with `seed`:
/// "sparse-autoencoder" trains in its two stages with `options` for both, `hidden` code units and
/// the other SparseAutoencoderOptions defaults; every other name runs train(). Throws
/// InvalidArgument naming the accepted names for an unknown architecture.
ModelTrainer architecture_trainer(const std::string& name, const TrainOptions& options,
                                  std::uint64_t seed, std::int64_t hidden = 100);

struct MaskStatistics {
  double kept_fraction = 0.0;    ///< mean share of pixels kept per image
  std::int64_t empty_masks = 0;  ///< images without positive relevance
};

struct MaskedRetrainOptions {
  MaskOptions mask;
  TargetChoice train_targets = TargetChoice::label;
  TargetChoice test_targets = TargetChoice::prediction;
  std::int64_t explain_batch = 16;
  std::int64_t evaluate_batch = 32;
};

/// What the protocol measured. "original" is the explained model, "retrained" the fresh one
/// trained on masked training images; each is measured on the original and the masked test set.
/// The metric masked-retrain-accuracy is retrained_on_masked.accuracy.
struct MaskedRetrainResult {
  Model retrained;
  ClassificationReport original_on_original;
  ClassificationReport original_on_masked;
  ClassificationReport retrained_on_original;
  ClassificationReport retrained_on_masked;
  MaskStatistics train_masks;
  MaskStatistics test_masks;
};

/// Runs the protocol: masks of `train` (explained for their labels by default) and `test` (for
/// the explained model's predictions by default) from `method` on `model`, `trainer` on the
/// masked training set, and the four reports. Throws InvalidArgument when the datasets'
/// sample shapes or classes differ from each other or from the model's.
MaskedRetrainResult masked_retrain(const Model& model, const Dataset& train, const Dataset& test,
                                   const ExplainerChoice& method, const ModelTrainer& trainer,
                                   const MaskedRetrainOptions& options, Context& context);

}  // namespace lumen::training
