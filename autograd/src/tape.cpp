// tape.cpp — the tape itself: which tapes exist, recording a node, the reverse loop, and the
// guards (scopes, no-grad, anomaly detection).
//
// Looking at a tape (its table, edge gradient norms, local derivatives) is tape_inspect.cpp; the
// helpers the op files share are op_support.cpp.
#include "autograd/tape.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "autograd/error.hpp"
#include "autograd/op_info.hpp"
#include "fast/in_place_count.hpp"
#include "fast/scope_cache.hpp"
#include "fast/tape_arrays.hpp"
#include "op_support.hpp"

namespace ag {

// ----- which tapes exist -------------------------------------------------------------------------
// Each thread has a stack of the tapes made on it; the newest still alive is the one recording.
// A tape may be destroyed in any order and on any thread (a unique_ptr handed to a worker), so
// it removes itself from its stack wherever it sits, under the stack's lock, and sets the stack's
// top to the newest tape left. The recording thread reads only `top`, an atomic (as cheap as a
// plain read), on every op, without the lock. The stack lives on the heap, shared by its thread
// and its tapes, so a tape may also outlive the thread that made it.
struct detail::TapeStack {
  std::mutex mutex;
  std::vector<Tape*> tapes;  // oldest first
  std::atomic<Tape*> top{nullptr};
};

namespace {
thread_local std::shared_ptr<detail::TapeStack> g_tape_stack;  // made by this thread's first tape
thread_local detail::TapeStack* g_tape_stack_raw = nullptr;    // the same, for the hot path
thread_local bool g_no_grad = false;
thread_local bool g_detect_anomaly = false;
thread_local std::string g_scope;  // the current scope name, "a/b/c"

// Every live tape by id, so a tensor's tape id can be turned back into its tape (for backward)
// or recognised as gone (a clear error instead of a dangling pointer). Touched only when a tape
// is made or destroyed and on the rare paths below, so one lock is enough.
std::mutex g_live_mutex;
std::unordered_map<uint64_t, Tape*> g_live;
std::atomic<uint64_t> g_next_id{1};

Tape* find_live(uint64_t id) {
  std::lock_guard lock(g_live_mutex);
  auto it = g_live.find(id);
  return it == g_live.end() ? nullptr : it->second;
}

// Where a tensor was last recorded: its note of a tape id and a node index (TensorImpl::tape_id
// and ::node). An op result's note is written once, by the tape that made it. But a leaf (a
// parameter, a constant input) is used by every tape that reads it, on any thread, and each
// writes its own note into it: so the note is read and written as atomics, relaxed (on x86-64
// and ARM64 these are the plain loads and stores they replace, with no fence), and the two
// numbers read may come from two different tapes' notes. A tape therefore trusts a leaf's node
// only after checking, in its own nodes, that the node holds this tensor (find_or_add_node).
struct Where {
  uint64_t tape;
  uint32_t node;
};
Where where_recorded(const TensorImpl& impl) {
  auto& t = const_cast<TensorImpl&>(impl);  // (std::atomic_ref takes no const object in C++20)
  return {std::atomic_ref(t.tape_id).load(std::memory_order_relaxed),
          std::atomic_ref(t.node).load(std::memory_order_relaxed)};
}
void note_where_recorded(TensorImpl& impl, uint64_t tape, uint32_t node) {
  std::atomic_ref(impl.tape_id).store(tape, std::memory_order_relaxed);
  std::atomic_ref(impl.node).store(node, std::memory_order_relaxed);
}

// Held while a finished pass adds this tape's share into its parameters' .grad
// (merge_leaf_gradients): one lock for all parameters, see there why.
std::mutex g_leaf_grad_mutex;
}  // namespace

Tape::Tape() : id_(g_next_id++), in_place_writes_at_start_(detail::fast::in_place_writes()) {
  detail::fast::reuse_tape_arrays(nodes_, inputs_, input_versions_, saved_);  // memory: fast/
  saved_.push_back(0);  // "nothing saved": an empty index list, no settings
  scopes_.emplace_back("");
  scope_index_.emplace("", 0);
  {
    std::lock_guard lock(g_live_mutex);
    g_live.emplace(id_, this);
  }
  if (!g_tape_stack) {
    g_tape_stack = std::make_shared<detail::TapeStack>();
    g_tape_stack_raw = g_tape_stack.get();
  }
  stack_ = g_tape_stack;
  std::lock_guard lock(stack_->mutex);
  stack_->tapes.push_back(this);
  stack_->top.store(this);
}

Tape::~Tape() {
  {
    std::lock_guard lock(stack_->mutex);
    std::erase(stack_->tapes, this);  // wherever it is: tapes may die in any order
    stack_->top.store(stack_->tapes.empty() ? nullptr : stack_->tapes.back());
  }
  // Frees every node's tensor that no handle outside still holds, and keeps the arrays' memory
  // for the next tape (fast/tape_arrays.hpp).
  detail::fast::recycle_tape_arrays(nodes_, inputs_, input_versions_, saved_);
  std::lock_guard lock(g_live_mutex);
  g_live.erase(id_);
}

Tape* Tape::current() {
  if (g_no_grad || g_tape_stack_raw == nullptr) return nullptr;
  return g_tape_stack_raw->top.load(std::memory_order_acquire);
}

void Tape::throw_bad_node_index(size_t i, const char* who) const {
  throw IndexError(fmt::format("Tape::{}({}): no such node, tape #{} has {} nodes (size())", who, i,
                               id_, nodes_.size()));
}

const std::string& Tape::scope_name(uint32_t scope) const {
  if (scope >= scopes_.size()) {
    throw IndexError(
        fmt::format("Tape::scope_name({}): tape #{} has {} scopes", scope, id_, scopes_.size()));
  }
  return scopes_[scope];
}

// ----- recording ---------------------------------------------------------------------------------
// The index of the thread's current scope name on this tape, the name added on first use.
// (The answer is kept from op to op while no ScopeGuard opens or closes: fast/scope_cache.hpp.)
uint32_t Tape::current_scope() {
  return detail::fast::cached_scope(id_, [this] {
    auto [it, added] = scope_index_.emplace(g_scope, static_cast<uint32_t>(scopes_.size()));
    if (added) scopes_.push_back(g_scope);
    return it->second;
  });
}

// The two kinds of input node, in the op index (op_info.hpp) beside the ops.
constexpr OpInfo kLeaf{"leaf",
                       "a parameter: its gradient accumulates (+=) over every use and "
                       "every backward pass, until the optimizer zeroes it"};
constexpr OpInfo kConst{"const", "an input or a literal: needs no gradient, none flows here"};

uint32_t Tape::find_or_add_node(const Tensor& t, const char* op_for_error) {
  const TensorImpl& impl = t.impl();
  // Already on this tape? An op result's note is its own tape's alone (op results belong to
  // their tape's thread); a leaf's may mix two tapes' notes, so the node it names is checked.
  const Where where = where_recorded(impl);
  if (where.tape == id_ &&
      (!impl.is_leaf || (where.node < nodes_.size() && nodes_[where.node].out.get() == &impl))) {
    return where.node;
  }
  return add_node(t, op_for_error, where.tape);
}

// find_or_add_node when t has no node here yet (or is refused). recorded_on: the tape t's note
// names (0: none).
uint32_t Tape::add_node(const Tensor& t, const char* op_for_error, uint64_t recorded_on) {
  TensorImpl& impl = t.impl();
  // A non-leaf that needs gradients belongs to the tape that made it: the chain back to its
  // leaves is recorded there, not here.
  if (recorded_on != 0 && !impl.is_leaf && impl.requires_grad) {
    if (find_live(recorded_on) != nullptr) {
      throw TapeError(fmt::format(
          "{}: an input of shape {} was recorded on another live tape (#{}), this is tape #{}; "
          "gradients cannot flow between tapes (detach() it, or compute it on this tape)",
          op_for_error, shape_str(impl.shape), recorded_on, id_));
    }
    throw TapeError(fmt::format(
        "{}: an input of shape {} was computed on a tape that is gone (#{}); gradients cannot "
        "flow back through it. Call detach() to use its value as a constant",
        op_for_error, shape_str(impl.shape), recorded_on));
  }
  // A parameter already here, whose note a tape on another thread (or a nested tape) has
  // overwritten since: it keeps its one node. (A constant may get a second node instead: no
  // gradient flows to it, so two are as good as one.)
  if (impl.requires_grad) {
    auto it = parameter_nodes_.find(&impl);
    if (it != parameter_nodes_.end()) return it->second;
  }
  // First use of a leaf here (a parameter or a constant): give it a node of its own. Under
  // DetectAnomalyGuard its numbers are looked at first: a NaN that comes in from outside (a
  // diverged parameter, a bad batch) is reported where it enters, under its name, not as the
  // result of whichever op happens to use it.
  if (!impl.requires_grad && impl.made_without_tape) {
    throw TapeError(fmt::format(
        "{}: an input of shape {} was computed from tensors that require grad while no Tape was "
        "alive, so it carries no graph and gradients would stop at it without a word. Compute "
        "it while the Tape records (make the Tape first), or detach() it to use it as a constant",
        op_for_error, shape_str(impl.shape)));
  }
  if (g_detect_anomaly && !detail::all_finite(impl.value)) {
    throw AnomalyError(fmt::format(
        "anomaly: {} {}of shape {} holds NaN or Inf as it enters tape #{} (first used by '{}', "
        "scope '{}'); look at where it was made or loaded",
        impl.requires_grad ? "the parameter" : "the constant",
        impl.name ? fmt::format("'{}' ", *impl.name) : std::string(), shape_str(impl.shape), id_,
        op_for_error, g_scope));
  }
  const auto index = static_cast<uint32_t>(nodes_.size());
  Node& n = nodes_.emplace_back();
  n.out = t.impl_ptr();
  n.op = impl.requires_grad ? kLeaf.name : kConst.name;
  n.first_input = static_cast<uint32_t>(inputs_.size());
  n.scope = current_scope();
  if (impl.requires_grad) {  // a parameter: a row for this tape's share of its gradient
    parameter_nodes_.emplace(&impl, index);
    if (leaf_row_.size() <= index) leaf_row_.resize(index + 1);
    leaf_row_[index] = static_cast<uint32_t>(leaf_grads_.size());
    leaf_grads_.push_back({index, Buffer()});
  }
  note_where_recorded(impl, id_, index);
  return index;
}

uint32_t Tape::record(const char* op, std::span<const Tensor* const> inputs,
                      const std::shared_ptr<TensorImpl>& out, BackwardFn backward, Saved saved) {
  // Inputs first (they may append leaf nodes), then this op's node after all of them.
  const auto first = static_cast<uint32_t>(inputs_.size());
  bool requires_grad = false;
  for (const Tensor* t : inputs) {
    inputs_.push_back(find_or_add_node(*t, op));
    input_versions_.push_back(t->impl().version);
    // (Read from the tensor find_or_add_node just looked at, not through nodes_[...].out: same
    // flag, one pointer chase fewer.)
    requires_grad = requires_grad || t->impl().requires_grad;
  }
  const auto index = static_cast<uint32_t>(nodes_.size());
  Node& n = nodes_.emplace_back();
  n.out = out;
  n.op = op;
  n.backward = backward;
  n.first_input = first;
  n.input_count = static_cast<uint32_t>(inputs.size());
  n.scope = current_scope();
  n.version = out->version;
  if (saved.size > 0 || !saved.indices.empty()) n.saved = store_saved(saved);
  out->requires_grad = requires_grad;
  out->is_leaf = false;
  note_where_recorded(*out, id_, index);
  return index;
}

// What every op calls with its result (op_support.hpp): record it on the current tape, if any.
void detail::record(const char* op, std::span<const Tensor* const> inputs,
                    const std::shared_ptr<TensorImpl>& result, BackwardFn backward, Saved saved) {
  Tape* tape = Tape::current();
  if (tape != nullptr) {
    tape->record(op, inputs, result, backward, saved);
  } else if (!g_no_grad) {  // no tape alive: mark a result that should have had a graph
    for (const Tensor* t : inputs) {
      if (t->impl().requires_grad || t->impl().made_without_tape) result->made_without_tape = true;
    }
  }
  if (g_detect_anomaly && !detail::all_finite(result->value)) {
    throw AnomalyError(fmt::format(
        "anomaly: '{}' (tape index {}, scope '{}') produced NaN or Inf in its result of shape {}",
        op, tape != nullptr ? fmt::format("{}", result->node) : std::string("not recorded"),
        g_scope, shape_str(result->shape)));
  }
}

// Appends [index count, indices..., the settings' bytes] to saved_ and returns where it starts.
uint32_t Tape::store_saved(Saved saved) {
  const auto at = static_cast<uint32_t>(saved_.size());
  saved_.push_back(static_cast<int64_t>(saved.indices.size()));
  saved_.insert(saved_.end(), saved.indices.begin(), saved.indices.end());
  const size_t words = (saved.size + sizeof(int64_t) - 1) / sizeof(int64_t);
  saved_.resize(saved_.size() + words);
  if (saved.size > 0) std::memcpy(saved_.data() + saved_.size() - words, saved.bytes, saved.size);
  return at;
}

double* Tape::input_grad(const Node& n, size_t k) const {
  Buffer* grad = grad_buffer(inputs_[n.first_input + k]);
  if (grad == nullptr) return nullptr;
  if (grad->empty()) *grad = Buffer(input(n, k).value.size(), 0.0);
  return grad->data();
}

// Where backward adds node i's gradient: an op result's own (the op result belongs to this tape
// alone); for a parameter, its row in leaf_grads_ (the parameter may be shared with other
// threads' tapes); nullptr for anything that takes no gradient.
Buffer* Tape::grad_buffer(uint32_t i) const {
  const Node& n = nodes_[i];
  if (n.out->requires_grad) {
    if (n.backward != nullptr) return &n.out->grad;
    if (n.op == kLeaf.name) return &leaf_grads_[leaf_row_[i]].grad;
  }
  // Takes no gradient (a constant; or a tensor made a parameter with requires_grad_ only after it
  // was recorded), unless local_derivatives is asking what would reach it (tape_inspect.cpp).
  return i == probe_.node ? &probe_.grad : nullptr;
}

// ----- backward: one reverse loop ----------------------------------------------------------------
void Tape::backward(const Tensor& root, BackwardOptions options) {
  detail::check_defined("backward", root);
  if (root.numel() != 1) {
    throw TapeError(fmt::format(
        "backward(): the tensor has shape {}; only a one-element tensor (a loss) can start "
        "backward without an explicit gradient (pass one of the same shape)",
        shape_str(root.shape())));
  }
  run_backward(root, Buffer(1, 1.0), options);
}

void Tape::backward(const Tensor& root, const Tensor& gradient, BackwardOptions options) {
  detail::check_defined("backward", root);
  detail::check_defined("backward", gradient);
  if (gradient.shape() != root.shape()) {
    throw ShapeError(fmt::format("backward(): gradient of shape {} for a tensor of shape {}",
                                 shape_str(gradient.shape()), shape_str(root.shape())));
  }
  run_backward(root, gradient.impl().value, options);
}

// The root's node index, or a TapeError saying why it cannot start a pass here.
uint32_t Tape::check_root(const Tensor& root_tensor) const {
  const TensorImpl& r = root_tensor.impl();
  const Where where = where_recorded(r);
  if (where.tape != id_ || where.node >= nodes_.size() || nodes_[where.node].out.get() != &r) {
    throw TapeError(fmt::format("backward(): the {} tensor was not recorded on this tape (#{})",
                                shape_str(r.shape), id_));
  }
  if (!r.requires_grad || grad_buffer(where.node) == nullptr) {
    throw TapeError(fmt::format(
        "backward(): the {} tensor does not require grad: no input it was computed from "
        "requires grad",
        shape_str(r.shape)));
  }
  if (backward_runs_ > 0 && !retained_) {
    if (where.node >= nodes_at_backward_) {
      // A root recorded after that pass: the tape is being reused for another training step.
      // retain_graph would "work" but keep every step's graph, and the tape would grow forever.
      throw TapeError(fmt::format(
          "backward(): tape #{} already ran backward for an earlier step; make one Tape per step "
          "(declare it inside the training loop, so each step's graph is freed with it)",
          id_));
    }
    // (Nothing was freed: the tape keeps its nodes until it is destroyed. The rule is PyTorch's,
    // which frees what the rules saved at the end of a pass, so that code written here runs there.)
    throw TapeError(fmt::format(
        "backward(): called a second time on tape #{}, whose first call did not retain the graph "
        "(as in PyTorch, a graph runs backward once); pass retain_graph = true to the first call "
        "to run it again",
        id_));
  }
  return where.node;
}

void Tape::run_backward(const Tensor& root_tensor, const Buffer& seed, BackwardOptions options) {
  const uint32_t root = check_root(root_tensor);

  // Gradients of op results are recomputed by every pass; leaves accumulate into theirs. (On a
  // first pass there is nothing to clear: op results start without a gradient, and a pass that
  // threw cleared what it wrote, see below.)
  if (backward_runs_ > 0) clear_op_result_grads(root);

  // A pass that throws (an AnomalyError, a rule out of memory) leaves no trace: the parameters'
  // .grad have not been touched yet (their shares wait in leaf_grads_, which are dropped), and
  // the op results' gradients are cleared, so after fixing the cause, a retried pass gives
  // exactly what a first one would.
  try {
    reverse_loop(root, seed, options);
  } catch (...) {
    for (LeafGradient& row : leaf_grads_) row.grad.clear();
    clear_op_result_grads(root);
    edge_grad_norm_.clear();
    throw;
  }
  merge_leaf_gradients();
  ++backward_runs_;
  retained_ = options.retain_graph;
  nodes_at_backward_ = nodes_.size();
}

void Tape::clear_op_result_grads(uint32_t root) {
  for (uint32_t i = 0; i <= root; ++i) {
    if (nodes_[i].backward != nullptr) nodes_[i].out->grad.clear();
  }
}

// The end of a pass: this tape's share of each parameter's gradient joins its .grad.
//
// Tapes on other threads may be running backward into the same parameters right now (one model,
// a batch split between threads). If every rule added straight into a parameter's .grad, two
// threads' `+=` on the same number could interleave, and one of the two additions would be lost.
// So during the pass a parameter's gradient collects in this tape's row for it, which no other
// thread sees, and here, once, each row is added into the parameter under a lock.
//
// One lock for all parameters, not one per parameter: a mutex in every tensor would make each
// scalar of the micrograd-style engine 40 bytes larger, and a pass then takes one lock in all,
// however many parameters it has. Two threads that finish at the same moment wait for each
// other's merge, a loop over the parameters: short next to the passes themselves.
// (After zero_grad() a parameter has no gradient: the row's buffer is handed over, not added.)
void Tape::merge_leaf_gradients() {
  std::lock_guard lock(g_leaf_grad_mutex);
  for (LeafGradient& row : leaf_grads_) {
    if (row.grad.empty()) continue;  // nothing flowed into it in this pass
    Buffer& grad = nodes_[row.node].out->grad;
    if (grad.empty()) {
      grad = std::move(row.grad);
    } else {
      grad += row.grad;
    }
    row.grad.clear();
  }
}

// The pass itself: seed the root's gradient, then the one reverse loop.
void Tape::reverse_loop(uint32_t root, const Buffer& seed, BackwardOptions options) {
  // d root / d root = 1 (or the gradient backward() was given). Nothing has reached the root
  // yet: op results start a pass without a gradient, and so does a parameter's row.
  *grad_buffer(root) = seed;  // (a parameter as the root: its row)
  if (options.record_edge_grads) {
    edge_grad_norm_.assign(inputs_.size(), -1.0);
  } else {
    edge_grad_norm_.clear();  // the norms of an earlier pass would no longer be true
  }

  // The reverse loop: tape.hpp's, with the version check and the observers each called out on a
  // line of its own.
  // Creation order is a topological order, so when node i runs, every node that used its result
  // (all after it) has already added its share into node i's gradient.
  const bool check_anomalies = g_detect_anomaly;
  // Versions can differ only if some tensor was changed in place since this tape was made
  // (fast/in_place_count.hpp; the plain form checks always).
  const bool check_versions = detail::fast::in_place_writes() != in_place_writes_at_start_;
  std::vector<Buffer> set_aside;  // for record_edge_grads (tape_inspect.cpp)
  // exercise 1: the reverse loop -- tutorial 02_the_tape, picture reverse_loop.svg
  // stub: (void)check_anomalies, (void)check_versions, (void)set_aside;
  // stub: ag::exercise::not_written(1);
  // wrong skips-root: for (uint32_t i = root; i-- > 0;) {
  // wrong skips-root:   const Node& n = nodes_[i];
  // wrong skips-root:   if (n.backward == nullptr || n.out->grad.empty()) continue;
  // wrong skips-root:   n.backward(*this, n);
  // wrong skips-root:   if (!options.keep_grads) n.out->grad.clear();
  // wrong skips-root: }
  // wrong creation-order: for (uint32_t i = 0; i <= root; ++i) {
  // wrong creation-order:   const Node& n = nodes_[i];
  // wrong creation-order:   if (n.backward == nullptr || n.out->grad.empty()) continue;
  // wrong creation-order:   n.backward(*this, n);
  // wrong creation-order:   if (!options.keep_grads) n.out->grad.clear();
  // wrong creation-order: }
  for (uint32_t i = root + 1; i-- > 0;) {
    const Node& n = nodes_[i];
    if (n.backward == nullptr || n.out->grad.empty() || !n.out->requires_grad) continue;
    if (check_versions) check_unchanged(i);  // what the rule reads is what the op saw
    if (options.record_edge_grads) set_aside_input_grads(n, set_aside);
    n.backward(*this, n);
    if (options.record_edge_grads) measure_and_restore_input_grads(n, set_aside);
    if (check_anomalies) check_input_grads_finite(i);  // DetectAnomalyGuard
    if (!options.keep_grads) n.out->grad.clear();      // nothing after this needs it
  }
  // end exercise 1
}

void Tape::check_input_grads_finite(uint32_t i) const {
  const Node& n = nodes_[i];
  for (size_t k = 0; k < n.input_count; ++k) {
    const Buffer* grad = grad_buffer(inputs_[n.first_input + k]);
    if (grad != nullptr && !detail::all_finite(*grad)) {
      throw AnomalyError(fmt::format(
          "anomaly: the backward rule of '{}' (tape index {}, scope '{}') produced NaN or "
          "Inf in the gradient of its input {} (shape {})",
          n.op, i, scopes_[n.scope], k, shape_str(input(n, k).shape)));
    }
  }
}

// A rule may read its inputs' numbers and its result's: if one was changed in place after the op
// ran, the rule would compute the derivative at the wrong point, silently. PyTorch's version
// counter catches this; TensorImpl::version is ours. It checks every input and the result of
// every op, whether or not its rule reads them (PyTorch checks only what a rule saved, so it
// lets `w + c` run after c changed): one rule, with no list of which rules read what.
void Tape::check_unchanged(uint32_t i) const {
  const Node& n = nodes_[i];
  for (size_t k = 0; k <= n.input_count; ++k) {  // the inputs, then the result
    const bool result = k == n.input_count;
    const uint32_t now = result ? n.out->version : input(n, k).version;
    const uint32_t then = result ? n.version : input_versions_[n.first_input + k];
    if (now != then) {
      throw TapeError(fmt::format(
          "backward(): {} of '{}' (tape index {}, scope '{}', shape {}) was modified by an "
          "in-place operation after '{}' used it (version {} then, {} now): no op's input or "
          "result may change before its rule runs (PyTorch: only what the rule saved). Change "
          "it after backward(), or change a copy",
          result ? "the result" : fmt::format("input {}", k), n.op, i, scopes_[n.scope],
          shape_str(result ? n.out->shape : input(n, k).shape), n.op, then, now));
    }
  }
}

// ----- Tensor::backward finds its tape by id -----------------------------------------------------
static Tape& tape_of(const Tensor& t) {
  detail::check_defined("backward", t);
  const uint64_t id = where_recorded(t.impl()).tape;
  Tape* tape = id == 0 ? nullptr : find_live(id);
  if (tape == nullptr && id == 0) {
    throw TapeError(fmt::format(
        "backward(): the {} tensor was not recorded on any tape (was a Tape alive, outside any "
        "NoGradGuard, when it was computed?)",
        shape_str(t.shape())));
  }
  if (tape == nullptr) {
    throw TapeError(fmt::format("backward(): the {} tensor was recorded on a tape that is gone",
                                shape_str(t.shape())));
  }
  return *tape;
}

void Tensor::backward(bool retain_graph) const {
  tape_of(*this).backward(*this, BackwardOptions{.retain_graph = retain_graph});
}

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  tape_of(*this).backward(*this, gradient, BackwardOptions{.retain_graph = retain_graph});
}

// ----- scopes and guards -------------------------------------------------------------------------
// Each tape keeps every distinct full scope name it has seen ("a", "a/b", "a/b/c", ...), in its
// list and again as a key of its index, so scopes nested n deep cost it about n^2 / 2 times (the
// names' length + 1) characters, twice: 8,000 levels of one-letter names would hold 128 MB.
// Models nest a handful of levels ("lstm/t=3/layer0"); a depth in the hundreds is a recursion that
// opens a scope per call, and is refused here with a clear error instead.
namespace {
constexpr int kMaxScopeDepth = 256;
thread_local int g_scope_depth = 0;
}  // namespace

ScopeGuard::ScopeGuard(std::string_view name) : previous_length_(g_scope.size()) {
  if (g_scope_depth >= kMaxScopeDepth) {
    throw ValueError(fmt::format(
        "ScopeGuard('{}'): scopes are already nested {} deep, the most allowed (each tape keeps "
        "every full scope name, so deep nesting costs memory quadratic in the depth); open "
        "scopes per module or per step, not per recursive call",
        name, g_scope_depth));
  }
  if (!g_scope.empty()) g_scope += '/';
  g_scope += name;
  ++g_scope_depth;
  detail::fast::scope_changed();  // (fast/scope_cache.hpp)
}

// Guards close newest first, as C++ destroys locals. One closed out of order (guards kept on the
// heap) must not lengthen the name: resize() would pad it with '\0's, and every message that
// quotes the scope would stop at the first. An older guard closed first leaves its shorter name.
ScopeGuard::~ScopeGuard() {
  if (previous_length_ < g_scope.size()) g_scope.resize(previous_length_);
  --g_scope_depth;
  detail::fast::scope_changed();  // (fast/scope_cache.hpp)
}

const std::string& ScopeGuard::current() { return g_scope; }

NoGradGuard::NoGradGuard() : previous_(g_no_grad) { g_no_grad = true; }
NoGradGuard::~NoGradGuard() { g_no_grad = previous_; }
bool NoGradGuard::active() { return g_no_grad; }

DetectAnomalyGuard::DetectAnomalyGuard() : previous_(g_detect_anomaly) { g_detect_anomaly = true; }
DetectAnomalyGuard::~DetectAnomalyGuard() { g_detect_anomaly = previous_; }
bool DetectAnomalyGuard::active() { return g_detect_anomaly; }

// "leaf" and "const", in the op index (op_info.cpp).
std::span<const OpInfo* const> detail::tape_op_info() {
  static constexpr const OpInfo* kEntries[] = {&kLeaf, &kConst};
  return kEntries;
}

}  // namespace ag
