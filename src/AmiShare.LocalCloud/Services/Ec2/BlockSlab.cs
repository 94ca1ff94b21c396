using System.Buffers;
using System.Runtime.InteropServices;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// One run of fixed-size block slots in native memory, for the in-memory content store. Why not one GC array per
/// block: a re-encryption writes a GiB into fresh memory, and on the 2-core virtual machines this runs on, large
/// GC arrays cost about 1.3 times as much CPU to fill for the first time as native memory does (bench/README.md;
/// transparent huge pages were tried too and were slower after the first GiB). Large slabs come straight from the
/// kernel, zero and untouched, so slots never written cost nothing. The memory is released on
/// <see cref="IDisposable.Dispose"/> or, if that is forgotten, when the GC finalizes its handle.
/// </summary>
internal sealed class BlockSlab : MemoryManager<byte>
{
    private readonly SlabHandle handle;
    private readonly int length;

    private BlockSlab(SlabHandle handle, int length)
    {
        this.handle = handle;
        this.length = length;
    }

    /// <summary>A zero-filled slab of <paramref name="length"/> bytes.</summary>
    public static BlockSlab Allocate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        return new BlockSlab(SlabHandle.Allocate((nuint)length), length);
    }

    public override unsafe Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(handle.IsClosed, this);
        return new Span<byte>((void*)handle.DangerousGetHandle(), length);
    }

    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(handle.IsClosed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, length);
        return new MemoryHandle((byte*)handle.DangerousGetHandle() + elementIndex);
    }

    /// <summary>Nothing to do: the memory never moves.</summary>
    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            handle.Dispose();
        }
    }

    /// <summary>Owns the native memory; its release runs at most once, from Dispose or from the finalizer.</summary>
    private sealed class SlabHandle : SafeHandle
    {
        private SlabHandle()
            : base(IntPtr.Zero, ownsHandle: true)
        {
        }

        public override bool IsInvalid => handle == IntPtr.Zero;

        public static unsafe SlabHandle Allocate(nuint length)
        {
            var slab = new SlabHandle();
            slab.SetHandle((IntPtr)NativeMemory.AllocZeroed(length));
            return slab;
        }

        protected override unsafe bool ReleaseHandle()
        {
            NativeMemory.Free((void*)handle);
            return true;
        }
    }
}
