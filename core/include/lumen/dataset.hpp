#pragma once
/// Datasets: labelled images (and, where known, ground-truth target masks) that `train`,
/// `evaluate` and `data` stream. A dataset kind is a plugin (plugins/datasets/); a dataset is
/// named on the command line as `KIND:LOCATION[?name=value&...]`, e.g. `mstar:/data/mstar?size=64`
/// or `synthetic-sar:?n=2000&seed=1`.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lumen/export.hpp"
#include "lumen/params.hpp"
#include "lumen/tensor.hpp"

namespace lumen {

/// One labelled image.
struct Sample {
  Tensor image;                ///< [C,H,W], float, as the dataset's options prepared it
  std::int64_t label = 0;      ///< class index in [0, classes)
  std::optional<Tensor> mask;  ///< [1,H,W], 1 on the target and 0 elsewhere, when known
  std::string id;              ///< where it came from: a file path, or "<kind>#<index>"
};

/// Something a dataset could not read, and why; the rest of the dataset is still usable.
struct ReadProblem {
  std::string item;    ///< the file (or entry) at fault
  std::string reason;  ///< what is wrong with it
};

/// An opened dataset: random access by index, so batches can be read in parallel and in any
/// order. Implementations are immutable after opening and get() is thread-safe.
class LUMEN_API Dataset {
 public:
  virtual ~Dataset();
  virtual std::int64_t size() const = 0;
  /// Class names, index = label.
  virtual std::vector<std::string> class_names() const = 0;
  /// [C,H,W] of every image.
  virtual Shape sample_shape() const = 0;
  /// Whether samples carry ground-truth masks.
  virtual bool has_masks() const = 0;
  /// Sample `index` in [0, size()); deterministic (a generator derives it from its seed and the
  /// index). Throws IoError naming the file when a file that opened fine fails later.
  virtual Sample get(std::int64_t index) const = 0;
  /// Items skipped when the dataset was opened, with the reason.
  virtual std::vector<ReadProblem> problems() const { return {}; }
};

/// A registered dataset kind: its options and how to open one.
struct DatasetKindInfo {
  std::string name;                  ///< kebab-case, e.g. "synthetic-sar"
  std::vector<std::string> aliases;  ///< other names accepted as KIND (e.g. "folder")
  std::string summary;
  enum class Location { required, none } location = Location::required;
  std::vector<ParamSpec> params;  ///< the `?name=value` options
};

class LUMEN_API DatasetKind {
 public:
  virtual ~DatasetKind();
  virtual DatasetKindInfo info() const = 0;
  /// Opens LOCATION with validated options. Throws IoError / InvalidArgument naming the location
  /// or option at fault when nothing usable is there; files that cannot be read are skipped and
  /// reported by Dataset::problems().
  virtual std::unique_ptr<Dataset> open(const std::string& location,
                                        const Params& params) const = 0;
};

/// A parsed dataset name: `KIND:LOCATION[?name=value&...]`.
struct DatasetSpec {
  std::string kind;
  std::string location;
  std::map<std::string, std::string> options;
};

/// Parses a dataset name; throws InvalidArgument quoting `text` when it has no `KIND:` or an
/// option is not `name=value` or is given twice.
LUMEN_API DatasetSpec parse_dataset_spec(std::string_view text);

}  // namespace lumen
