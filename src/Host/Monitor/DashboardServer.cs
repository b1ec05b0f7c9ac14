using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using FederatedHe.Actors.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FederatedHe.Host.Monitor;

/// <summary>Where and how the dashboard listens.</summary>
/// <param name="Address">The address to bind; loopback unless TLS and a token are given.</param>
/// <param name="Port">The HTTP(S) port; 0 picks a free one.</param>
/// <param name="Certificate">The server certificate for HTTPS, or null for plain HTTP (loopback only).</param>
/// <param name="Token">The bearer token every request must carry, or null (loopback only).</param>
/// <param name="RunsDirectory">Where past runs are listed from.</param>
public sealed record DashboardBinding(IPAddress Address, int Port, X509Certificate2? Certificate, string? Token, string RunsDirectory)
{
    /// <summary>The shortest token accepted.</summary>
    public const int MinimumTokenLength = 16;

    /// <summary>Refuses a binding that would expose the dashboard: off loopback, TLS and a token are both required.</summary>
    /// <exception cref="ArgumentException">The binding is not loopback and lacks TLS or a token, or the token is too short.</exception>
    public DashboardBinding Validate()
    {
        if (Token is { Length: < MinimumTokenLength })
            throw new ArgumentException($"--token-file: the token has {Token.Length} characters; at least {MinimumTokenLength} are required");
        if (!IPAddress.IsLoopback(Address) && (Certificate is null || Token is null))
            throw new ArgumentException($"--bind {Address}: the dashboard binds to loopback only, unless it is given TLS and a token "
                + $"(missing: {(Certificate is null ? "--https-certificate" : string.Empty)}{(Certificate is null && Token is null ? " and " : string.Empty)}{(Token is null ? "--token-file" : string.Empty)})");
        return this;
    }
}

/// <summary>
/// The monitor's web dashboard on Kestrel: a page with its script and style embedded in this binary (nothing from a
/// CDN; it works offline), the state as JSON, and server-sent events that push each change (<c>/api/stream</c>, the
/// page's) and every feed entry (<c>/api/feed</c>, `fedhe cluster up`'s). Read-only: GET alone is served.
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    /// <summary>How often at most the page is sent a new state: changes within this interval go out as one.</summary>
    public static readonly TimeSpan StatePushInterval = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The JSON form of the state and the feed (camelCase; the projection writes a non-finite number as null). A feed entry's
    /// coordinator notice carries its kind in a <c>type</c> field (the notice's name), so that it reads back as the same
    /// notice; a hospital's undefined AUC (one-class hold-out) travels there as "NaN".
    /// </summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver { Modifiers = { NoticeTypes } },
    };

    private static void NoticeTypes(System.Text.Json.Serialization.Metadata.JsonTypeInfo typeInfo)
    {
        if (typeInfo.Type != typeof(ObserverNotices.IObserverNotice))
            return;
        typeInfo.PolymorphismOptions = new System.Text.Json.Serialization.Metadata.JsonPolymorphismOptions { TypeDiscriminatorPropertyName = "type" };
        foreach (var notice in typeof(ObserverNotices).GetNestedTypes().Where(t => !t.IsInterface && typeof(ObserverNotices.IObserverNotice).IsAssignableFrom(t)))
            typeInfo.PolymorphismOptions.DerivedTypes.Add(new System.Text.Json.Serialization.Metadata.JsonDerivedType(notice, notice.Name));
    }

    private readonly WebApplication _app;

    private DashboardServer(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The dashboard's URL (the bound address and port).</summary>
    public string Url { get; }

    /// <summary>Starts the dashboard for <paramref name="hub"/>.</summary>
    /// <exception cref="ArgumentException">The binding is refused (see <see cref="DashboardBinding.Validate"/>), or the port cannot be bound.</exception>
    public static async Task<DashboardServer> StartAsync(MonitorHub hub, DashboardBinding binding, CancellationToken cancellationToken)
    {
        binding.Validate();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "fedhe-monitor", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(binding.Address, binding.Port, listen =>
            {
                if (binding.Certificate is { } certificate)
                    listen.UseHttps(certificate);
            });
        });
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";
            headers["Referrer-Policy"] = "no-referrer";
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                return;
            }

            if (binding.Token is { } token && !Authorised(context.Request, token))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await context.Response.WriteAsync("a token is required: add ?token=… to the URL, or send Authorization: Bearer …\n", context.RequestAborted).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        });

        app.MapGet("/", () => Asset("index.html", "text/html; charset=utf-8"));
        app.MapGet("/dashboard.js", () => Asset("dashboard.js", "text/javascript; charset=utf-8"));
        app.MapGet("/dashboard.css", () => Asset("dashboard.css", "text/css; charset=utf-8"));
        app.MapGet("/api/state", () => Results.Json(hub.State, Json));
        app.MapGet("/api/runs", () => Results.Json(RunsDirectory.List(binding.RunsDirectory), Json));
        app.MapGet("/api/stream", (HttpContext context) => StreamStateAsync(hub, context));
        app.MapGet("/api/feed", (HttpContext context) => StreamFeedAsync(hub, context));

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException exception)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new ArgumentException($"--http-port {binding.Port}: {binding.Address}:{binding.Port} cannot be used ({exception.Message})", exception);
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DashboardServer(app, address.EndsWith('/') ? address : address + "/");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
            await _app.StopAsync(stop.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static bool Authorised(HttpRequest request, string token)
    {
        var given = request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.Ordinal)
            ? header["Bearer ".Length..]
            : request.Query["token"].ToString();
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(token));
    }

    private static IResult Asset(string name, string contentType)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"dashboard/{name}")
                           ?? throw new InvalidOperationException($"the dashboard's {name} is not embedded in this binary");
        using var reader = new StreamReader(stream);
        return Results.Text(reader.ReadToEnd(), contentType);
    }

    /// <summary>The page's stream: the state now, then the state after each change (at most every <see cref="StatePushInterval"/>).</summary>
    private static async Task StreamStateAsync(MonitorHub hub, HttpContext context)
    {
        var cancellation = context.RequestAborted;
        StartEventStream(context);
        var changed = new SemaphoreSlim(0);
        void OnApplied(MonitorFeedEntry _)
        {
            if (changed.CurrentCount == 0)
                changed.Release();
        }

        hub.Applied += OnApplied;
        try
        {
            long sent = -1;
            while (!cancellation.IsCancellationRequested)
            {
                var state = hub.State;
                if (state.Sequence != sent)
                {
                    await WriteEventAsync(context.Response, "state", state.Sequence, JsonSerializer.Serialize(state, Json), cancellation).ConfigureAwait(false);
                    sent = state.Sequence;
                    await Task.Delay(StatePushInterval, cancellation).ConfigureAwait(false);
                }

                if (!await changed.WaitAsync(Heartbeat, cancellation).ConfigureAwait(false))
                    await WriteCommentAsync(context.Response, cancellation).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The page closed.
        }
        finally
        {
            hub.Applied -= OnApplied;
        }
    }

    /// <summary>The feed: every entry so far, then each new one, as it comes.</summary>
    private static async Task StreamFeedAsync(MonitorHub hub, HttpContext context)
    {
        var cancellation = context.RequestAborted;
        StartEventStream(context);
        try
        {
            await WriteCommentAsync(context.Response, cancellation).ConfigureAwait(false);
            await foreach (var entry in hub.ListenAsync(cancellation).ConfigureAwait(false))
                await WriteEventAsync(context.Response, entry.Kind, entry.Sequence, JsonSerializer.Serialize(entry, Json), cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The reader closed.
        }
    }

    private static void StartEventStream(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-store";
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    private static async Task WriteEventAsync(HttpResponse response, string kind, long id, string json, CancellationToken cancellationToken)
    {
        await response.WriteAsync($"id: {id}\nevent: {kind}\ndata: {json}\n\n", cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteCommentAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        await response.WriteAsync(": keep-alive\n\n", cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
