#include "onnx_test_util.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>

#include "lumen/context.hpp"
#include "lumen/error.hpp"
#include "lumen/trace.hpp"
#include "naive_backend.hpp"
#include "onnx_importer.hpp"
#include "temp_dir.hpp"

namespace lumen::onnx_test {

namespace {

using I = std::int64_t;

// The process's scratch directory, removed at exit.
const std::filesystem::path& temp_dir() {
  static const lumen::testing::TempDir dir;
  return dir.path;
}

std::size_t index(I i) { return static_cast<std::size_t>(i); }

}  // namespace

std::filesystem::path temp_path(const std::string& stem) {
  static int counter = 0;
  return temp_dir() / (stem + "-" + std::to_string(++counter) + ".onnx");
}

std::filesystem::path save_temp(const ModelBuilder& builder, const std::string& stem) {
  auto path = temp_path(stem);
  builder.save(path);
  return path;
}

Model import_model(const ModelBuilder& builder, const std::string& stem,
                   const ImportOptions& options) {
  return onnx_import::OnnxImporter().load(save_temp(builder, stem), options);
}

std::string import_error(const std::filesystem::path& file, const ImportOptions& options) {
  try {
    onnx_import::OnnxImporter().load(file, options);
  } catch (const ModelError& e) {
    return e.what();
  }
  FAIL("importing " << file << " did not throw a ModelError");
  return {};
}

std::string import_error(const ModelBuilder& builder, const ImportOptions& options) {
  return import_error(save_temp(builder, "bad"), options);
}

Tensor run(const Model& model, const Tensor& input) {
  Context context(testing::naive_backend(), 1);
  return run_forward(model, input, context).output(model.graph().output());
}

Tensor logits(const Model& model, const Tensor& input) {
  Context context(testing::naive_backend(), 1);
  return predict_logits(model, input, context);
}

void check_close(const Tensor& actual, const Tensor& expected, double tolerance) {
  REQUIRE(to_string(actual.shape()) == to_string(expected.shape()));
  double worst = 0.0;
  I at = 0;
  for (I i = 0; i < actual.size(); ++i) {
    const double d = std::abs(double(actual[i]) - expected[i]);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  INFO("largest difference " << worst << " at element " << at << ": " << actual[at] << " vs "
                             << expected[at]);
  CHECK(worst <= tolerance);
}

std::vector<std::string> op_types(const Model& model) {
  std::vector<std::string> ops;
  for (auto id : model.graph().topological_order())
    ops.push_back(model.graph().node(id).layer->op_type());
  return ops;
}

namespace ref {

namespace {

I out_size(I in, I k, I s, I p0, I p1, I d) { return (in + p0 + p1 - ((k - 1) * d + 1)) / s + 1; }

// Calls visit(ih, iw) for every window position of output (oh, ow) that is inside the input, and
// returns the number of positions inside the padded input.
template <typename F>
I for_window(const Window& g, I in_h, I in_w, I oh, I ow, F visit) {
  I padded = 0;
  for (I a = 0; a < g.kh; ++a) {
    for (I b = 0; b < g.kw; ++b) {
      const I ih = oh * g.sh - g.pt + a * g.dh, iw = ow * g.sw - g.pl + b * g.dw;
      if (ih >= -g.pt && ih < in_h + g.pb && iw >= -g.pl && iw < in_w + g.pr) ++padded;
      if (ih >= 0 && ih < in_h && iw >= 0 && iw < in_w) visit(ih, iw);
    }
  }
  return padded;
}

template <typename F>
Tensor pool(const Tensor& x, const Window& g, F reduce) {
  const auto& s = x.shape();
  const I n = s[0], c = s[1], h = s[2], w = s[3];
  const I oh = out_size(h, g.kh, g.sh, g.pt, g.pb, g.dh),
          ow = out_size(w, g.kw, g.sw, g.pl, g.pr, g.dw);
  Tensor y({n, c, oh, ow});
  I o = 0;
  for (I p = 0; p < n * c; ++p) {
    const float* plane = x.data() + p * h * w;
    for (I i = 0; i < oh; ++i) {
      for (I j = 0; j < ow; ++j) y[o++] = reduce(plane, h, w, i, j);
    }
  }
  return y;
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& w, const std::vector<float>& bias, const Window& g,
              I groups) {
  const auto& s = x.shape();
  const I n = s[0], cin = s[1], h = s[2], wd = s[3];
  const I cout = w.dim(0), cg = cin / groups, og = cout / groups;
  Window k = g;
  k.kh = w.dim(2);
  k.kw = w.dim(3);
  const I oh = out_size(h, k.kh, k.sh, k.pt, k.pb, k.dh),
          ow = out_size(wd, k.kw, k.sw, k.pl, k.pr, k.dw);
  Tensor y({n, cout, oh, ow});
  for (I b = 0; b < n; ++b) {
    for (I co = 0; co < cout; ++co) {
      for (I i = 0; i < oh; ++i) {
        for (I j = 0; j < ow; ++j) {
          double sum = bias.empty() ? 0.0 : bias[index(co)];
          for (I ci = 0; ci < cg; ++ci) {
            const I channel = (co / og) * cg + ci;
            for (I a = 0; a < k.kh; ++a) {
              for (I q = 0; q < k.kw; ++q) {
                const I ih = i * k.sh - k.pt + a * k.dh, iw = j * k.sw - k.pl + q * k.dw;
                if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
                sum += double(x[((b * cin + channel) * h + ih) * wd + iw]) *
                       w[((co * cg + ci) * k.kh + a) * k.kw + q];
              }
            }
          }
          y[((b * cout + co) * oh + i) * ow + j] = static_cast<float>(sum);
        }
      }
    }
  }
  return y;
}

Tensor max_pool(const Tensor& x, const Window& g) {
  return pool(x, g, [&](const float* plane, I h, I w, I i, I j) {
    float best = -INFINITY;
    for_window(g, h, w, i, j, [&](I ih, I iw) { best = std::max(best, plane[ih * w + iw]); });
    return best;
  });
}

Tensor avg_pool(const Tensor& x, const Window& g, bool count_include_pad) {
  return pool(x, g, [&](const float* plane, I h, I w, I i, I j) {
    double sum = 0.0;
    I inside = 0;
    const I padded = for_window(g, h, w, i, j, [&](I ih, I iw) {
      sum += plane[ih * w + iw];
      ++inside;
    });
    return static_cast<float>(sum / double(count_include_pad ? padded : inside));
  });
}

Tensor global_avg_pool(const Tensor& x) {
  const auto& s = x.shape();
  const I planes = s[0] * s[1], area = s[2] * s[3];
  Tensor y({s[0], s[1], 1, 1});
  for (I p = 0; p < planes; ++p) {
    double sum = 0.0;
    for (I i = 0; i < area; ++i) sum += x[p * area + i];
    y[p] = static_cast<float>(sum / double(area));
  }
  return y;
}

Tensor linear(const Tensor& x, const Tensor& w, const std::vector<float>& b) {
  const I n = x.dim(0), k = x.dim(1), m = w.dim(0);
  Tensor y({n, m});
  for (I i = 0; i < n; ++i) {
    for (I j = 0; j < m; ++j) {
      double sum = b.empty() ? 0.0 : b[index(j)];
      for (I p = 0; p < k; ++p) sum += double(x[i * k + p]) * w[j * k + p];
      y[i * m + j] = static_cast<float>(sum);
    }
  }
  return y;
}

Tensor map(const Tensor& x, const std::function<double(double)>& f) {
  Tensor y = x;
  for (auto& v : y.values()) v = static_cast<float>(f(v));
  return y;
}

Tensor relu(const Tensor& x) {
  return map(x, [](double v) { return v > 0 ? v : 0.0; });
}

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor y = a;
  for (I i = 0; i < y.size(); ++i) y[i] += b[i];
  return y;
}

Tensor batch_norm(const Tensor& x, const std::vector<float>& scale, const std::vector<float>& bias,
                  const std::vector<float>& mean, const std::vector<float>& var, float epsilon) {
  const auto& s = x.shape();
  const I c = s[1], area = element_count(s) / (s[0] * c);
  Tensor y = x;
  for (I i = 0; i < y.size(); ++i) {
    const auto ch = index((i / area) % c);
    y[i] = static_cast<float>(
        scale[ch] * (double(x[i]) - mean[ch]) / std::sqrt(double(var[ch]) + epsilon) + bias[ch]);
  }
  return y;
}

Tensor lrn(const Tensor& x, I size, float alpha, float beta, float bias) {
  const auto& s = x.shape();
  const I c = s[1], area = s[2] * s[3];
  Tensor y = x;
  for (I b = 0; b < s[0]; ++b) {
    for (I ch = 0; ch < c; ++ch) {
      const I low = std::max<I>(0, ch - (size - 1) / 2), high = std::min<I>(c - 1, ch + size / 2);
      for (I p = 0; p < area; ++p) {
        double square_sum = 0.0;
        for (I q = low; q <= high; ++q) {
          const double v = x[(b * c + q) * area + p];
          square_sum += v * v;
        }
        const I at = (b * c + ch) * area + p;
        y[at] =
            static_cast<float>(x[at] / std::pow(bias + alpha / double(size) * square_sum, beta));
      }
    }
  }
  return y;
}

Tensor softmax_rows(const Tensor& x) {
  const I n = x.dim(0), k = x.dim(1);
  Tensor y = x;
  for (I i = 0; i < n; ++i) {
    double sum = 0.0;
    for (I j = 0; j < k; ++j) sum += std::exp(double(x[i * k + j]));
    for (I j = 0; j < k; ++j)
      y[i * k + j] = static_cast<float>(std::exp(double(x[i * k + j])) / sum);
  }
  return y;
}

Tensor pad(const Tensor& x, const std::vector<I>& pads, PadMode mode, float value) {
  const auto& s = x.shape();
  const I h = s[2], w = s[3], oh = h + pads[0] + pads[2], ow = w + pads[1] + pads[3];
  const auto source = [&](I i, I size) {
    if (mode == PadMode::edge) return std::clamp<I>(i, 0, size - 1);
    if (mode == PadMode::reflect) return i < 0 ? -i : (i >= size ? 2 * (size - 1) - i : i);
    return i;
  };
  Tensor y({s[0], s[1], oh, ow});
  for (I p = 0; p < s[0] * s[1]; ++p) {
    for (I i = 0; i < oh; ++i) {
      for (I j = 0; j < ow; ++j) {
        const I ih = source(i - pads[0], h), iw = source(j - pads[1], w);
        const bool inside = ih >= 0 && ih < h && iw >= 0 && iw < w;
        y[(p * oh + i) * ow + j] = inside ? x[(p * h + ih) * w + iw] : value;
      }
    }
  }
  return y;
}

Tensor concat_channels(const Tensor& a, const Tensor& b) {
  const I n = a.dim(0), sa = a.size() / n, sb = b.size() / n;
  Shape shape = a.shape();
  shape[1] += b.dim(1);
  Tensor y(shape);
  for (I i = 0; i < n; ++i) {
    std::copy_n(a.data() + i * sa, sa, y.data() + i * (sa + sb));
    std::copy_n(b.data() + i * sb, sb, y.data() + i * (sa + sb) + sa);
  }
  return y;
}

Tensor flatten(const Tensor& x) { return x.reshaped({x.dim(0), x.size() / x.dim(0)}); }

}  // namespace ref
}  // namespace lumen::onnx_test
