package dev.redsaga.example.spring;

/** One purchase: a user buys {@code qty} units of a product. The body of every branch of its saga. */
public record Purchase(long userId, long productId, int qty) {
}
