#include "ir/op_codes.h"
#include "kernels/kernel_api.h"

namespace liteq::rt {

std::string OpContext::where() const {
  const std::string type =
      n_.builtin_code == static_cast<int32_t>(Op::CUSTOM) ? n_.custom_code : op_name(n_.builtin_code);
  return fmt::format("{} (operator {})", type, n_.index);
}

void OpContext::check_io(int min_inputs, int max_inputs, int outputs) const {
  check(num_inputs() >= min_inputs && num_inputs() <= max_inputs,
        "expects {} inputs, the model gives {}",
        min_inputs == max_inputs ? fmt::format("{}", min_inputs) : fmt::format("{} to {}", min_inputs, max_inputs),
        num_inputs());
  for (int i = 0; i < min_inputs; ++i) check(has_input(i), "required input {} is absent", i);
  check(num_outputs() == outputs, "expects {} outputs, the model gives {}", outputs, num_outputs());
  for (int i = 0; i < outputs; ++i) check(n_.outputs[i] >= 0, "output {} is absent", i);
}

void OpContext::check_type(const Tensor& t, std::initializer_list<DType> allowed, const char* what) const {
  for (DType d : allowed)
    if (t.type == d) return;
  std::string names;
  for (DType d : allowed) names += (names.empty() ? "" : ", ") + std::string(dtype_name(d));
  fail("{} '{}' has type {}; supported: {}", what, t.name, dtype_name(t.type), names);
}

void OpContext::check_dense(const Tensor& t, const char* what) const {
  check(!t.sparsity, "{} '{}' is sparse (it needs a DENSIFY first)", what, t.name);
  check(t.data == nullptr || t.bytes >= static_cast<size_t>(t.num_elements()) * dtype_size(t.type),
        "{} '{}' holds {} bytes, its shape needs more", what, t.name, t.bytes);
}

void OpContext::set_output_shape(int i, std::vector<int32_t> dims) {
  if (!preparing_) fail("internal: set_output_shape outside prepare");
  int64_t n = 1;
  for (int32_t d : dims) {
    check(d >= 0, "computed a negative output dimension");
    n *= d;
    check(n <= (int64_t{1} << 36), "output {} would have too many elements", i);
  }
  Tensor& t = output(i);
  check(t.storage != Storage::kConstant, "output {} '{}' is a constant tensor", i, t.name);
  t.dims = std::move(dims);
}

int OpContext::request_scratch(size_t bytes) {
  if (!preparing_) fail("internal: request_scratch outside prepare");
  Tensor t;
  t.name = fmt::format("<scratch of operator {}>", n_.index);
  t.type = DType::kUInt8;
  t.dims = {static_cast<int32_t>(std::min<size_t>(bytes, INT32_MAX))};
  t.bytes = bytes;
  g_.tensors.push_back(std::move(t));
  n_.scratch.push_back(static_cast<int>(g_.tensors.size() - 1));
  return static_cast<int>(n_.scratch.size() - 1);
}

uint8_t* OpContext::scratch(int slot) {
  if (slot < 0 || slot >= static_cast<int>(n_.scratch.size())) fail("internal: bad scratch slot {}", slot);
  return g_.tensors[n_.scratch[slot]].data;
}

}  // namespace liteq::rt
