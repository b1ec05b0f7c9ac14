using System.Collections;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;

namespace FederatedHe.Federation;

/// <summary>
/// An immutable array compared by its elements, so that the machine's records (commands, notices, verdicts) have value
/// equality: two transitions from the same state and event are equal, and a test states the command it expects.
/// The default value is the empty array.
/// </summary>
/// <typeparam name="T">The element type, itself with value equality.</typeparam>
[CollectionBuilder(typeof(EquatableArray), nameof(EquatableArray.Create))]
public readonly struct EquatableArray<T> : IEquatable<EquatableArray<T>>, IReadOnlyList<T>
{
    private readonly ImmutableArray<T> _items;

    /// <summary>Wraps an immutable array.</summary>
    public EquatableArray(ImmutableArray<T> items) => _items = items;

    /// <summary>The elements as an immutable array (empty, never default).</summary>
    public ImmutableArray<T> Items => _items.IsDefault ? [] : _items;

    /// <summary>The number of elements.</summary>
    public int Length => Items.Length;

    /// <inheritdoc />
    public int Count => Items.Length;

    /// <summary>Whether there are no elements.</summary>
    public bool IsEmpty => Items.IsEmpty;

    /// <inheritdoc />
    public T this[int index] => Items[index];

    /// <summary>Whether <paramref name="item"/> is an element.</summary>
    public bool Contains(T item) => Items.Contains(item);

    /// <summary>A copy with <paramref name="item"/> appended.</summary>
    public EquatableArray<T> Add(T item) => new(Items.Add(item));

    /// <summary>A copy with <paramref name="items"/> appended.</summary>
    public EquatableArray<T> AddRange(IEnumerable<T> items) => new(Items.AddRange(items));

    /// <inheritdoc />
    public bool Equals(EquatableArray<T> other) => Items.SequenceEqual(other.Items);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in Items)
            hash.Add(item);
        return hash.ToHashCode();
    }

    /// <summary>The elements, as <c>[a, b, c]</c>.</summary>
    public override string ToString() => $"[{string.Join(", ", Items)}]";

    /// <inheritdoc />
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)Items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Whether two arrays have equal elements in the same order.</summary>
    public static bool operator ==(EquatableArray<T> left, EquatableArray<T> right) => left.Equals(right);

    /// <summary>Whether two arrays differ.</summary>
    public static bool operator !=(EquatableArray<T> left, EquatableArray<T> right) => !left.Equals(right);

    /// <summary>Wraps an immutable array.</summary>
    public static implicit operator EquatableArray<T>(ImmutableArray<T> items) => new(items);
}

/// <summary>Builds <see cref="EquatableArray{T}"/> values (collection expressions use it).</summary>
public static class EquatableArray
{
    /// <summary>An array of these elements.</summary>
    public static EquatableArray<T> Create<T>(ReadOnlySpan<T> items) => new([.. items]);
}
