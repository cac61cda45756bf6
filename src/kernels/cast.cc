// CAST between float32, int32, int64, int16, int8, uint8 and bool (TFLite 2.9's cast.cc:
// a plain static_cast per value). Float to integer truncates toward zero; integers
// narrow by keeping the low bits; anything to bool is != 0, bool to a number 0 or 1.
// Out-of-range floats: see ref::cast_value. Options (CastOptions) are not needed: the
// tensors' types say everything. The output has the input's shape.
#include "kernels/kernel_util.h"
#include "kernels/reference/math.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

// bool travels as one byte; any nonzero byte reads as true.
struct Bool8 {
  uint8_t v;
};

template <typename T> auto load(T x) { return x; }
inline bool load(Bool8 x) { return x.v != 0; }

template <typename To, typename From>
void cast_loop(int64_t n, const From* in, To* out) {
  if constexpr (std::is_same_v<To, Bool8>) {
    for (int64_t i = 0; i < n; ++i) out[i].v = ref::cast_value<bool>(load(in[i])) ? 1 : 0;
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = ref::cast_value<To>(load(in[i]));
  }
}

template <typename From>
void cast_from(OpContext& ctx, int64_t n, const From* in, Tensor& out) {
  switch (out.type) {
    case DType::kFloat32: cast_loop(n, in, out.data_as<float>()); return;
    case DType::kInt32: cast_loop(n, in, out.data_as<int32_t>()); return;
    case DType::kInt64: cast_loop(n, in, out.data_as<int64_t>()); return;
    case DType::kInt16: cast_loop(n, in, out.data_as<int16_t>()); return;
    case DType::kInt8: cast_loop(n, in, out.data_as<int8_t>()); return;
    case DType::kUInt8: cast_loop(n, in, out.data_as<uint8_t>()); return;
    case DType::kBool: cast_loop(n, in, out.data_as<Bool8>()); return;
    default: ctx.fail("unsupported output type {}", dtype_name(out.type));
  }
}

constexpr std::initializer_list<DType> kTypes = {DType::kFloat32, DType::kInt32, DType::kInt64, DType::kInt16,
                                                 DType::kInt8,    DType::kUInt8, DType::kBool};

void prepare(OpContext& ctx) {
  ctx.check_io(1, 1, 1);
  const Tensor& in = ctx.input(0);
  ctx.check_type(in, kTypes, "input");
  ctx.check_type(ctx.output(0), kTypes, "output");
  ctx.check_dense(in, "input");
  ctx.set_output_shape(0, in.dims);
}

void eval(OpContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  const int64_t n = in.num_elements();
  switch (in.type) {
    case DType::kFloat32: cast_from(ctx, n, in.data_as<float>(), out); return;
    case DType::kInt32: cast_from(ctx, n, in.data_as<int32_t>(), out); return;
    case DType::kInt64: cast_from(ctx, n, in.data_as<int64_t>(), out); return;
    case DType::kInt16: cast_from(ctx, n, in.data_as<int16_t>(), out); return;
    case DType::kInt8: cast_from(ctx, n, in.data_as<int8_t>(), out); return;
    case DType::kUInt8: cast_from(ctx, n, in.data_as<uint8_t>(), out); return;
    case DType::kBool: cast_from(ctx, n, in.data_as<Bool8>(), out); return;
    default: ctx.fail("unsupported input type {}", dtype_name(in.type));
  }
}

}  // namespace

const KernelRegistration* Register_CAST() {
  static const KernelRegistration r{"CAST", prepare, eval};
  return &r;
}

}  // namespace liteq::rt
