using Sig.Engine.Config;
using Sig.Factors.Intraday;
using Xunit;

namespace Sig.Factors.Tests.Intraday;

/// <summary>Submitted sizes: nothing allocated until the first order (a book sized by fills never adds one), exact and independent copies after.</summary>
public class SubmittedOrderSizesTests
{
    [Fact]
    public void An_empty_table_allocates_nothing_and_its_copies_neither()
    {
        var sizes = new SubmittedOrderSizes();
        Assert.True(sizes.IsUnallocated);
        Assert.False(sizes.TryGet(5, false, out long size));
        Assert.Equal(0, size);
        sizes.Add(0, false, 100, 10); // no id: ignored
        sizes.Add(5, false, 0, 10);   // no price: ignored
        sizes.Clear();
        Assert.True(sizes.IsUnallocated);
        Assert.True(sizes.Clone().IsUnallocated);
        var into = new SubmittedOrderSizes();
        sizes.CopyTo(into);
        Assert.True(into.IsUnallocated);
    }

    [Fact]
    public void Sizes_are_kept_per_id_and_side_replaced_by_a_later_row_and_copied_independently()
    {
        var sizes = new SubmittedOrderSizes(2);
        for (long id = 1; id <= 100; id++) sizes.Add(id, id % 2 == 0, 1000 + id, 10);
        sizes.Add(7, false, 5, 3); // a later row of order 7 (buy) replaces its size
        sizes.Add(7, true, 9, 9);  // a sell order with the same id is another order
        Assert.False(sizes.IsUnallocated);
        Assert.True(sizes.TryGet(7, false, out long seven) && seven == 15);
        Assert.True(sizes.TryGet(7, true, out long sellSeven) && sellSeven == 81);
        Assert.True(sizes.TryGet(100, true, out long hundred) && hundred == 11_000);
        Assert.False(sizes.TryGet(100, false, out _));

        var clone = sizes.Clone();
        var copy = new SubmittedOrderSizes();
        sizes.CopyTo(copy);
        sizes.Add(7, false, 1, 1);
        sizes.Add(200, false, 1, 1);
        foreach (var c in new[] { clone, copy })
        {
            Assert.True(c.TryGet(7, false, out long v) && v == 15);
            Assert.False(c.TryGet(200, false, out _));
        }
        var empty = new SubmittedOrderSizes();
        empty.CopyTo(copy); // an empty table copied over a full one empties it
        Assert.False(copy.TryGet(7, false, out _));
    }

    [Fact]
    public void A_book_sized_by_fills_ignores_submitted_rows()
    {
        var book = new BigOrderBook(BigOrderSizing.Filled);
        book.AddSubmitted(1, false, 100, 3);
        book.AddFill(1, 2, 1000, 0, false, (byte)'B');
        Assert.Equal(1000, book.ClassificationSizeOf(0));
        var submitted = new BigOrderBook(BigOrderSizing.Submitted);
        submitted.AddSubmitted(1, false, 100, 3);
        submitted.AddFill(1, 2, 1000, 0, false, (byte)'B');
        Assert.Equal(300, submitted.ClassificationSizeOf(0)); // submitted 100 × 3
        Assert.Equal(1000, submitted.ClassificationSizeOf(1)); // order 2 had no row: sized by fills
    }
}
