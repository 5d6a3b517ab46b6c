#include "cpu_naive_backend.hpp"

#include <limits>
#include <vector>

namespace lumen::cpu_naive {
namespace {

using I = std::int64_t;

class NaiveBackend final : public Backend {
 public:
  BackendInfo info() const override {
    return {"cpu-naive",
            "textbook loops, one thread, double accumulation: the reference every backend is "
            "checked against, and the last resort for any kernel",
            0};
  }

  bool implements(Kernel) const override { return true; }

  void gemm(bool transpose_a, bool transpose_b, I m, I n, I k, float alpha, const float* a, I lda,
            const float* b, I ldb, float beta, float* c, I ldc) const override {
    for (I i = 0; i < m; ++i) {
      for (I j = 0; j < n; ++j) {
        double sum = 0.0;
        for (I p = 0; p < k; ++p) {
          const float av = transpose_a ? a[p * lda + i] : a[i * lda + p];
          const float bv = transpose_b ? b[j * ldb + p] : b[p * ldb + j];
          sum += static_cast<double>(av) * bv;
        }
        float& out = c[i * ldc + j];
        // beta == 0 overwrites, so garbage (even NaN) in C is ignored, as in BLAS.
        const double old = beta == 0.0F ? 0.0 : static_cast<double>(beta) * out;
        out = static_cast<float>(alpha * sum + old);
      }
    }
  }

  void conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w, const float* bias,
                      float* y) const override {
    const I cin_g = g.in_channels / g.groups, cout_g = g.out_channels / g.groups;
    for (I n = 0; n < g.batch; ++n) {
      for (I co = 0; co < g.out_channels; ++co) {
        const I group = co / cout_g;
        for (I oh = 0; oh < g.out_h; ++oh) {
          for (I ow = 0; ow < g.out_w; ++ow) {
            double sum = bias ? bias[co] : 0.0;
            for (I ci = 0; ci < cin_g; ++ci) {
              const I c = group * cin_g + ci;
              for (I kh = 0; kh < g.kernel_h; ++kh) {
                for (I kw = 0; kw < g.kernel_w; ++kw) {
                  const I ih = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
                  const I iw = ow * g.stride_w - g.pad_left + kw * g.dilation_w;
                  if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) continue;
                  sum += static_cast<double>(
                             x[((n * g.in_channels + c) * g.in_h + ih) * g.in_w + iw]) *
                         w[((co * cin_g + ci) * g.kernel_h + kh) * g.kernel_w + kw];
                }
              }
            }
            y[((n * g.out_channels + co) * g.out_h + oh) * g.out_w + ow] = static_cast<float>(sum);
          }
        }
      }
    }
  }

  void conv2d_backward_data(const Conv2dGeometry& g, const float* dy, const float* w,
                            float* dx) const override {
    std::vector<double> acc(static_cast<std::size_t>(g.batch * g.in_channels * g.in_h * g.in_w));
    const I cin_g = g.in_channels / g.groups, cout_g = g.out_channels / g.groups;
    for (I n = 0; n < g.batch; ++n) {
      for (I co = 0; co < g.out_channels; ++co) {
        const I group = co / cout_g;
        for (I oh = 0; oh < g.out_h; ++oh) {
          for (I ow = 0; ow < g.out_w; ++ow) {
            const double d = dy[((n * g.out_channels + co) * g.out_h + oh) * g.out_w + ow];
            for (I ci = 0; ci < cin_g; ++ci) {
              const I c = group * cin_g + ci;
              for (I kh = 0; kh < g.kernel_h; ++kh) {
                for (I kw = 0; kw < g.kernel_w; ++kw) {
                  const I ih = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
                  const I iw = ow * g.stride_w - g.pad_left + kw * g.dilation_w;
                  if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) continue;
                  acc[static_cast<std::size_t>(((n * g.in_channels + c) * g.in_h + ih) * g.in_w +
                                               iw)] +=
                      d * w[((co * cin_g + ci) * g.kernel_h + kh) * g.kernel_w + kw];
                }
              }
            }
          }
        }
      }
    }
    for (std::size_t i = 0; i < acc.size(); ++i) dx[i] = static_cast<float>(acc[i]);
  }

  void conv2d_backward_weights(const Conv2dGeometry& g, const float* x, const float* dy, float* dw,
                               float* db) const override {
    const I cin_g = g.in_channels / g.groups, cout_g = g.out_channels / g.groups;
    for (I co = 0; co < g.out_channels; ++co) {
      const I group = co / cout_g;
      for (I ci = 0; ci < cin_g; ++ci) {
        const I c = group * cin_g + ci;
        for (I kh = 0; kh < g.kernel_h; ++kh) {
          for (I kw = 0; kw < g.kernel_w; ++kw) {
            double sum = 0.0;
            for (I n = 0; n < g.batch; ++n) {
              for (I oh = 0; oh < g.out_h; ++oh) {
                for (I ow = 0; ow < g.out_w; ++ow) {
                  const I ih = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
                  const I iw = ow * g.stride_w - g.pad_left + kw * g.dilation_w;
                  if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) continue;
                  sum += static_cast<double>(
                             x[((n * g.in_channels + c) * g.in_h + ih) * g.in_w + iw]) *
                         dy[((n * g.out_channels + co) * g.out_h + oh) * g.out_w + ow];
                }
              }
            }
            dw[((co * cin_g + ci) * g.kernel_h + kh) * g.kernel_w + kw] = static_cast<float>(sum);
          }
        }
      }
      if (db) {
        double sum = 0.0;
        for (I n = 0; n < g.batch; ++n) {
          for (I i = 0; i < g.out_h * g.out_w; ++i)
            sum += dy[(n * g.out_channels + co) * g.out_h * g.out_w + i];
        }
        db[co] = static_cast<float>(sum);
      }
    }
  }

  void max_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y,
                          std::int32_t* argmax) const override {
    for (I plane = 0; plane < g.batch * g.channels; ++plane) {
      const float* xp = x + plane * g.in_h * g.in_w;
      for (I oh = 0; oh < g.out_h; ++oh) {
        for (I ow = 0; ow < g.out_w; ++ow) {
          float best = -std::numeric_limits<float>::infinity();
          I best_index = -1;
          for (I kh = 0; kh < g.kernel_h; ++kh) {
            for (I kw = 0; kw < g.kernel_w; ++kw) {
              const I ih = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
              const I iw = ow * g.stride_w - g.pad_left + kw * g.dilation_w;
              if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) continue;
              const float v = xp[ih * g.in_w + iw];
              if (best_index < 0 || v > best) {
                best = v;
                best_index = ih * g.in_w + iw;
              }
            }
          }
          const I o = (plane * g.out_h + oh) * g.out_w + ow;
          y[o] = best_index < 0 ? 0.0F : best;
          if (argmax) argmax[o] = static_cast<std::int32_t>(best_index);
        }
      }
    }
  }

  void max_pool2d_backward(const Pool2dGeometry& g, const float* dy, const std::int32_t* argmax,
                           float* dx) const override {
    const I in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
    for (I i = 0; i < g.batch * g.channels * in_plane; ++i) dx[i] = 0.0F;
    for (I plane = 0; plane < g.batch * g.channels; ++plane) {
      for (I o = 0; o < out_plane; ++o) {
        const I winner = argmax[plane * out_plane + o];
        if (winner >= 0) dx[plane * in_plane + winner] += dy[plane * out_plane + o];
      }
    }
  }

  void avg_pool2d_forward(const Pool2dGeometry& g, const float* x, float* y) const override {
    for (I plane = 0; plane < g.batch * g.channels; ++plane) {
      const float* xp = x + plane * g.in_h * g.in_w;
      for (I oh = 0; oh < g.out_h; ++oh) {
        for (I ow = 0; ow < g.out_w; ++ow) {
          double sum = 0.0;
          I inside = 0;
          for (I kh = 0; kh < g.kernel_h; ++kh) {
            for (I kw = 0; kw < g.kernel_w; ++kw) {
              const I ih = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
              const I iw = ow * g.stride_w - g.pad_left + kw * g.dilation_w;
              if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) continue;
              sum += xp[ih * g.in_w + iw];
              ++inside;
            }
          }
          const I count = g.count_include_pad ? g.kernel_h * g.kernel_w : inside;
          y[(plane * g.out_h + oh) * g.out_w + ow] =
              count == 0 ? 0.0F : static_cast<float>(sum / static_cast<double>(count));
        }
      }
    }
  }

  void avg_pool2d_backward(const Pool2dGeometry& g, const float* dy, float* dx) const override {
    const I in_plane = g.in_h * g.in_w;
    std::vector<double> acc(static_cast<std::size_t>(g.batch * g.channels * in_plane));
    for (I plane = 0; plane < g.batch * g.channels; ++plane) {
      for (I oh = 0; oh < g.out_h; ++oh) {
        for (I ow = 0; ow < g.out_w; ++ow) {
          I inside = 0;
          for (I kh = 0; kh < g.kernel_h; ++kh) {
            for (I kw = 0; kw < g.kernel_w; ++kw) {
              const I ih = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
              const I iw = ow * g.stride_w - g.pad_left + kw * g.dilation_w;
              if (ih >= 0 && ih < g.in_h && iw >= 0 && iw < g.in_w) ++inside;
            }
          }
          const I count = g.count_include_pad ? g.kernel_h * g.kernel_w : inside;
          if (count == 0) continue;
          const double share =
              dy[(plane * g.out_h + oh) * g.out_w + ow] / static_cast<double>(count);
          for (I kh = 0; kh < g.kernel_h; ++kh) {
            for (I kw = 0; kw < g.kernel_w; ++kw) {
              const I ih = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
              const I iw = ow * g.stride_w - g.pad_left + kw * g.dilation_w;
              if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) continue;
              acc[static_cast<std::size_t>(plane * in_plane + ih * g.in_w + iw)] += share;
            }
          }
        }
      }
    }
    for (std::size_t i = 0; i < acc.size(); ++i) dx[i] = static_cast<float>(acc[i]);
  }
};

}  // namespace

std::shared_ptr<const Backend> make_backend() { return std::make_shared<const NaiveBackend>(); }

}  // namespace lumen::cpu_naive
