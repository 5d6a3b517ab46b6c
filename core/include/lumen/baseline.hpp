#pragma once
// The reference input ("baseline") x' that path and difference methods (integrated-gradients,
// deeplift, ...) compare the input with, from parameters shared by those methods.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lumen/context.hpp"
#include "lumen/export.hpp"
#include "lumen/params.hpp"
#include "lumen/tensor.hpp"

namespace lumen {

/// The Context stream baseline=uniform draws from, always for sample 0, so a sample's baseline
/// does not depend on its position in the batch.
constexpr std::uint64_t baseline_uniform_stream = 0x4947'0000'0000'0001ULL;

/// The parameter declarations of the baseline, to add to a method's own: `baseline`, a choice of
/// `kinds` (a subset of zeros, constant, blur, uniform, npy; the first is the default),
/// `baseline_value` (with constant), `baseline_sigma` (with blur, default `default_sigma`, in
/// [0, 1000]) and `baseline_file` (with npy). Throws InvalidArgument naming the kind for an empty
/// list, an unknown or repeated kind. Thread-safe.
LUMEN_API std::vector<ParamSpec> baseline_params(const std::vector<std::string>& kinds,
                                                 double default_sigma = 5.0);

/// The baseline of every sample of `input` ([N,C,H,W]) from parameters declared by
/// baseline_params: zeros; constant (every element baseline_value); blur (the input under
/// gaussian_blur with sigma baseline_sigma, edges replicated; sigma 0 gives the input itself);
/// uniform (noise uniform in [min x, max x] of each sample, from `context`'s stream
/// baseline_uniform_stream); npy (baseline_file holding [C,H,W] or [1,C,H,W] for every sample, or
/// [N,C,H,W]). Errors start with `method`: InvalidArgument for baseline_file given with another
/// kind or missing with npy, ShapeError naming the file, its shape and the accepted shapes, and
/// the io errors of reading the file. Thread-safe.
LUMEN_API Tensor make_baselines(const Params& params, const Tensor& input, const Context& context,
                                std::string_view method);

/// One note per sample on how far the attribution's total is from the target score's change,
/// for methods whose maps should sum to it: "sample s: <property> error |sum R - (f_c(x) -
/// f_c(x'))| = E (relative E/|delta|; sum R = ..., f_c(x) - f_c(x') = ...)". `map` is [N, ...],
/// `logits` and `reference_logits` are [N, classes] for the input and the baseline. Thread-safe.
LUMEN_API std::vector<std::string> delta_notes(const Tensor& map,
                                               std::span<const std::int64_t> targets,
                                               const Tensor& logits, const Tensor& reference_logits,
                                               std::string_view property);

}  // namespace lumen
