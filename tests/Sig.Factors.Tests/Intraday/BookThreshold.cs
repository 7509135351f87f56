using Sig.Factors.Intraday;

namespace Sig.Factors.Tests.Intraday;

/// <summary>θ of a book's orders, built from its moments as the evaluator builds it (the book tests' shorthand).</summary>
internal static class BookThreshold
{
    public static BigOrderThreshold Of(BigOrderBook book, double k, long floor = 0) =>
        new(book.Count, book.SizeSum, book.SizeSquareSum, k, floor);
}
