// tests for autograd/src/tensor.cpp: Buffer, construction, element access, item, grad access.
#include <catch2/catch.hpp>

#include <autograd/autograd.hpp>

#include <string>
#include <type_traits>
#include <utility>

using namespace ag;

TEST_CASE("a scalar is a 0-d tensor", "[tensor]") {
  Tensor a = 2.5;
  CHECK(a.shape().empty());
  CHECK(a.numel() == 1);
  CHECK(a.item() == 2.5);
  CHECK(shape_str(a.shape()) == "[]");
}

TEST_CASE("tensor from values and shape", "[tensor]") {
  Tensor t = tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(shape_str(t.shape()) == "[2, 3]");
  CHECK(t.at({1, 2}) == 6);
  CHECK(t.at({0, 1}) == 2);
  CHECK_THROWS_AS(t.at({2, 0}), IndexError);
  CHECK_THROWS_WITH(tensor({1, 2, 3}, {2, 2}),
                    Catch::Contains("3 values") && Catch::Contains("[2, 2]"));
  CHECK_THROWS_WITH(t.item(), Catch::Contains("item()") && Catch::Contains("[2, 3]"));
}

TEST_CASE("Buffer keeps one number inline and copies deeply", "[tensor]") {
  Buffer one(1, 3.0);
  Buffer many(5, 2.0);
  Buffer copy = many;
  copy[0] = 7.0;
  CHECK(many[0] == 2.0);
  CHECK(one[0] == 3.0);
  Buffer moved = std::move(copy);
  CHECK(moved.size() == 5);
  CHECK(moved[0] == 7.0);
}

TEST_CASE("numel is checked: a shape past 2^56 elements is a ShapeError, not a wrapped count",
          "[tensor][errors]") {
  CHECK(numel({}) == 1);
  CHECK(numel({2, 3}) == 6);
  CHECK(numel({1LL << 56}) == (1LL << 56));
  CHECK(numel({5, 0, 7}) == 0);
  CHECK_THROWS_AS(numel({1LL << 62, 4}), ShapeError);  // 2^64 wraps round to 0 unchecked
  CHECK_THROWS_AS(numel({(1LL << 56) + 1}), ShapeError);
  CHECK_THROWS_WITH(numel({1LL << 40, 1LL << 40}, "load"),
                    Catch::Contains("load") && Catch::Contains("[1099511627776, 1099511627776]"));
}

// A view of a temporary's numbers does not compile (`for (double g : x.grad().data())` read
// memory the pool had already handed out again); on a named tensor it does.
template <class T>
concept HasDataView = requires(T&& t) {
  static_cast<T&&>(t).data();
};
template <class T>
concept HasGradDataView = requires(T&& t) {
  static_cast<T&&>(t).grad_data();
};
template <class T>
concept HasMutableDataView = requires(T&& t) {
  static_cast<T&&>(t).mutable_data();
};
static_assert(HasDataView<Tensor&> && HasDataView<const Tensor&>);
static_assert(!HasDataView<Tensor> && !HasDataView<const Tensor>);
static_assert(HasGradDataView<const Tensor&> && !HasGradDataView<Tensor>);
static_assert(HasMutableDataView<Tensor&> && !HasMutableDataView<Tensor>);
// shape() and name() of a temporary are copies, not references into it.
static_assert(std::is_same_v<decltype(std::declval<Tensor>().shape()), Shape>);
static_assert(std::is_same_v<decltype(std::declval<Tensor&>().shape()), const Shape&>);
static_assert(std::is_same_v<decltype(std::declval<Tensor>().name()), std::string>);

TEST_CASE("a temporary's shape is a copy that outlives it", "[tensor]") {
  for (int64_t d : ones({2, 3}).shape()) CHECK((d == 2 || d == 3));
  CHECK(shape_str(zeros({4, 1}).shape()) == "[4, 1]");
}
