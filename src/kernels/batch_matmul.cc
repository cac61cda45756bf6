// BATCH_MATMUL: lhs [..., M, K] (or [..., K, M] with adj_x) times rhs [..., K, N] (or
// [..., N, K] with adj_y), ranks 2..5; the batch dims broadcast (numpy rules) and the
// output is [broadcast batch..., M, N].
//   float32: float lhs, rhs and output.
//   hybrid:  float lhs and output, int8 rhs (per-tensor scale, zero point 0): each lhs
//            row is quantized on the fly, symmetrically or (asymmetric_quantize_inputs)
//            asymmetrically, as TFLite 2.9 (reference/matmul_int8.h).
#include "kernels/kernel_util.h"
#include "kernels/reference/matmul.h"
#include "kernels/reference/matmul_int8.h"
#include "kernels/reference/quant_checks_int8.h"
#include "kernels/registry.h"

namespace liteq::rt {
namespace {

using Geo = ref::BatchMatMulGeometry;

struct BmmState {
  Geo g;
  bool hybrid = false;
  // hybrid
  float w_scale = 0;
  bool asymmetric = false;
  int64_t lhs_rows = 0;      // rows to quantize: lhs elements / depth
  int64_t rhs_matrices = 0;  // rhs elements / (depth * cols)
  std::vector<int32_t> rhs_sums;  // when the rhs is constant
  int scratch = -1;
};

// Element strides of `batch` (a tensor's batch dims) right-aligned to Geo::kBatchRank;
// 0 where the dim is 1 (broadcast).
void batch_strides(const std::vector<int32_t>& batch, int64_t matrix, int64_t* strides) {
  int64_t stride = matrix;
  for (int i = Geo::kBatchRank - 1, j = static_cast<int>(batch.size()) - 1; i >= 0; --i, --j) {
    if (j < 0) {
      strides[i] = 0;
      continue;
    }
    strides[i] = batch[j] == 1 ? 0 : stride;
    stride *= batch[j];
  }
}

std::string shape_str(const std::vector<int32_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

void prepare(OpContext& ctx) {
  const auto& p = ctx.params<BatchMatMulParams>();
  ctx.check_io(2, 2, 1);
  const Tensor& lhs = ctx.input(0);
  const Tensor& rhs = ctx.input(1);
  ctx.check_type(lhs, {DType::kFloat32}, "lhs");
  ctx.check_type(rhs, {DType::kFloat32, DType::kInt8}, "rhs");
  ctx.check_type(ctx.output(0), {DType::kFloat32}, "output");
  ctx.check_dense(lhs, "lhs");
  ctx.check_dense(rhs, "rhs");
  ctx.check(lhs.rank() >= 2 && lhs.rank() <= 5, "lhs must have rank 2 to 5, got {}", lhs.rank());
  ctx.check(rhs.rank() >= 2 && rhs.rank() <= 5, "rhs must have rank 2 to 5, got {}", rhs.rank());
  const int lr = lhs.rank(), rr = rhs.rank();
  auto& s = ctx.make_state<BmmState>();
  auto& g = s.g;
  g.adj_x = p.adj_x;
  g.adj_y = p.adj_y;
  g.rows = p.adj_x ? lhs.dim(lr - 1) : lhs.dim(lr - 2);
  const int lhs_depth = p.adj_x ? lhs.dim(lr - 2) : lhs.dim(lr - 1);
  const int rhs_depth = p.adj_y ? rhs.dim(rr - 1) : rhs.dim(rr - 2);
  g.cols = p.adj_y ? rhs.dim(rr - 2) : rhs.dim(rr - 1);
  ctx.check(lhs_depth == rhs_depth, "lhs {} and rhs {} disagree on the contracted dimension ({} vs {})",
            shape_str(lhs.dims), shape_str(rhs.dims), lhs_depth, rhs_depth);
  g.depth = lhs_depth;
  const std::vector<int32_t> lb(lhs.dims.begin(), lhs.dims.end() - 2);
  const std::vector<int32_t> rb(rhs.dims.begin(), rhs.dims.end() - 2);
  std::vector<int32_t> ob;
  ctx.check(broadcast_shape(lb, rb, &ob), "batch dimensions of lhs {} and rhs {} do not broadcast",
            shape_str(lhs.dims), shape_str(rhs.dims));
  for (int i = 0; i < Geo::kBatchRank; ++i) {
    const int j = i - (Geo::kBatchRank - static_cast<int>(ob.size()));
    g.batch[i] = j < 0 ? 1 : ob[j];
  }
  batch_strides(lb, int64_t{g.rows} * g.depth, g.lhs_stride);
  batch_strides(rb, int64_t{g.depth} * g.cols, g.rhs_stride);
  std::vector<int32_t> out = ob;
  out.push_back(g.rows);
  out.push_back(g.cols);
  ctx.set_output_shape(0, std::move(out));
  if (rhs.type == DType::kInt8) {
    s.hybrid = true;
    ctx.check(g.depth >= 1, "hybrid BATCH_MATMUL needs a contracted dimension >= 1, got {}", g.depth);
    s.w_scale = qcheck::weight_scales(ctx, rhs, 1, 0, false, true, "rhs")[0];
    s.asymmetric = p.asymmetric_quantize_inputs;
    s.lhs_rows = lhs.num_elements() / g.depth;
    const int64_t per_matrix = int64_t{g.depth} * g.cols;
    s.rhs_matrices = per_matrix > 0 ? rhs.num_elements() / per_matrix : 0;
    const int64_t sums = s.rhs_matrices * g.cols;
    if (rhs.is_constant()) {
      s.rhs_sums.resize(static_cast<size_t>(sums));
      ref::batch_matmul_rhs_sums(g, rhs.data_as<int8_t>(), s.rhs_matrices, s.rhs_sums.data());
    }
    // scales, zero points, [rhs sums], quantized lhs rows
    const int64_t bytes = s.lhs_rows * 8 + (rhs.is_constant() ? 0 : sums * 4) + s.lhs_rows * g.depth;
    s.scratch = ctx.request_scratch(static_cast<size_t>(std::max<int64_t>(bytes, 1)));
  }
}

void eval_hybrid(OpContext& ctx, const BmmState& s) {
  uint8_t* scratch = ctx.scratch(s.scratch);
  auto* scales = reinterpret_cast<float*>(scratch);
  auto* zps = reinterpret_cast<int32_t*>(scratch + s.lhs_rows * 4);
  uint8_t* next = scratch + s.lhs_rows * 8;
  const int8_t* rhs = ctx.input(1).data_as<int8_t>();
  const int32_t* sums = s.rhs_sums.data();
  if (s.rhs_sums.empty()) {
    auto* buf = reinterpret_cast<int32_t*>(next);
    ref::batch_matmul_rhs_sums(s.g, rhs, s.rhs_matrices, buf);
    sums = buf;
    next += s.rhs_matrices * s.g.cols * 4;
  }
  ref::batch_matmul_hybrid(s.g, ctx.input(0).data_as<float>(), rhs, s.w_scale, sums, s.asymmetric, s.lhs_rows,
                           reinterpret_cast<int8_t*>(next), scales, zps, ctx.output(0).data_as<float>());
}

void eval(OpContext& ctx) {
  const auto& s = ctx.state<BmmState>();
  if (s.hybrid) {
    eval_hybrid(ctx, s);
    return;
  }
  ref::batch_matmul_f32(s.g, ctx.input(0).data_as<float>(), ctx.input(1).data_as<float>(),
                        ctx.output(0).data_as<float>());
}

}  // namespace

const KernelRegistration* Register_BATCH_MATMUL() {
  static const KernelRegistration r{"BATCH_MATMUL", prepare, eval};
  return &r;
}

}  // namespace liteq::rt
