using FederatedHe.Federation.Rounds;
using static FederatedHe.Federation.Tests.MachineDriver;

namespace FederatedHe.Federation.Tests;

/// <summary>
/// The preflight before round 0: hospitals register with their data's schema (never values), and the machine refuses to
/// start a federation whose hospitals disagree, naming the hospital and the first differing column, or one of whose
/// hospitals cannot use its file.
/// </summary>
public sealed class PreflightSpecifications
{
    private static readonly string[] Columns = ["radius_mean", "texture_mean", "area_mean", "smoothness_mean"];

    private static HospitalDataDescription Schema(string[]? columns = null, string label = "diagnosis: 1=malignant(M);0=benign(B)", string? problem = null)
    {
        var names = columns ?? Columns;
        // Any digest that is the same exactly when the schema is: the coordinator checks the real SHA-256 before the machine sees it.
        var digest = string.Join("|", names) + "#" + label;
        return new HospitalDataDescription(digest, [.. names], label, problem);
    }

    private static void RegisterWith(MachineDriver driver, string hospitalId, HospitalDataDescription data) =>
        driver.On(new HospitalRegistered(hospitalId, null, data));

    [Fact]
    public void Hospitals_with_the_same_schema_start_round_zero_and_the_schema_becomes_the_federations()
    {
        var driver = new MachineDriver();

        foreach (var id in Hospitals(3))
            RegisterWith(driver, id, Schema());

        Assert.Equal((RoundPhase.Collecting, 0), (driver.State.Phase, driver.State.Round));
        Assert.Equal(Schema(), driver.State.AgreedData);
    }

    [Fact]
    public void A_hospital_whose_column_differs_stops_the_federation_before_round_zero_naming_it_and_the_column()
    {
        var driver = new MachineDriver();
        RegisterWith(driver, "hospital-1", Schema());
        RegisterWith(driver, "hospital-2", Schema(["radius_mean", "texture_mean", "area_avg", "smoothness_mean"]));

        RegisterWith(driver, "hospital-3", Schema());

        Assert.Equal(RoundPhase.Finished, driver.State.Phase);
        Assert.Empty(driver.History.OfType<RequestUpdates>());
        var finished = driver.Single<FinishFederation>();
        Assert.False(finished.Succeeded);
        Assert.Equal("the hospitals' data do not agree, so the federation does not start: "
            + "hospital-2's feature 3 is 'area_avg' where hospital-1 and hospital-3 have 'area_mean'", finished.Status);
        Assert.Equal(Hospitals(3), finished.Hospitals);
    }

    [Fact]
    public void A_hospital_missing_a_column_is_named_with_the_first_column_it_lacks()
    {
        var driver = new MachineDriver();
        RegisterWith(driver, "hospital-1", Schema(["radius_mean", "texture_mean", "area_mean"]));
        RegisterWith(driver, "hospital-2", Schema());

        RegisterWith(driver, "hospital-3", Schema());

        Assert.EndsWith("hospital-1's feature 4 is missing where hospital-2 and hospital-3 have 'smoothness_mean'", driver.Single<FinishFederation>().Status);
    }

    [Fact]
    public void Columns_in_another_order_or_another_label_encoding_are_another_schema()
    {
        var reordered = Schema(["texture_mean", "radius_mean", "area_mean", "smoothness_mean"]);
        Assert.Equal("feature 1 is 'texture_mean' where hospital-1 has 'radius_mean'", reordered.FirstDifference(Schema(), ["hospital-1"]));

        var relabelled = Schema(label: "diagnosis: 1=benign(B);0=malignant(M)");
        Assert.Equal("label is 'diagnosis: 1=benign(B);0=malignant(M)' where hospital-1 has 'diagnosis: 1=malignant(M);0=benign(B)'",
            relabelled.FirstDifference(Schema(), ["hospital-1"]));
        Assert.Null(Schema().FirstDifference(Schema(), ["hospital-1"]));
    }

    [Fact]
    public void The_schema_most_hospitals_hold_is_the_reference_whichever_registered_first()
    {
        var driver = new MachineDriver();
        RegisterWith(driver, "hospital-1", Schema(["radius_mean", "texture_mean", "area_avg", "smoothness_mean"]));
        RegisterWith(driver, "hospital-2", Schema());

        RegisterWith(driver, "hospital-3", Schema());

        Assert.Contains("hospital-1's feature 3 is 'area_avg' where hospital-2 and hospital-3 have 'area_mean'", driver.Single<FinishFederation>().Status);
    }

    [Fact]
    public void A_hospital_that_cannot_use_its_file_stops_the_federation_before_round_zero_naming_it_and_the_problem_once_all_have_registered()
    {
        var driver = new MachineDriver();
        RegisterWith(driver, "hospital-1", Schema());
        RegisterWith(driver, "hospital-2", Schema(problem: "its training file holds one class only; a training file needs both classes"));
        Assert.Equal(RoundPhase.Registering, driver.State.Phase); // the others still register, so that every node hears why

        RegisterWith(driver, "hospital-3", Schema());

        Assert.Equal(RoundPhase.Finished, driver.State.Phase);
        var finished = driver.Single<FinishFederation>();
        Assert.Equal((false, "hospital-2 cannot take part: its training file holds one class only; a training file needs both classes"),
            (finished.Succeeded, finished.Status));
        Assert.Equal(Hospitals(3), finished.Hospitals);
        Assert.Empty(driver.History.OfType<RequestUpdates>());
        Assert.Contains(CancelAllTimers.Instance, driver.Last);
    }

    [Fact]
    public void A_hospital_problem_is_the_reason_given_when_the_registration_timer_fires_before_all_have_registered()
    {
        var driver = new MachineDriver();
        RegisterWith(driver, "hospital-2", Schema(problem: "its training file holds one class only"));

        driver.On(new TimerFired(new RoundTimer(TimerKind.Registration, 0, 0)));

        Assert.Equal("hospital-2 cannot take part: its training file holds one class only", driver.Single<FinishFederation>().Status);
    }

    [Fact]
    public void After_the_start_a_hospital_with_another_schema_or_an_unusable_file_is_refused_and_the_federation_goes_on()
    {
        var driver = new MachineDriver();
        foreach (var id in Hospitals(3))
            RegisterWith(driver, id, Schema());

        Assert.Equal("hospital-4's data do not match the federation's: feature 3 is 'area_avg' where the federation has 'area_mean'",
            RoundMachine.RegistrationRefusal(driver.State, "hospital-4", Schema(["radius_mean", "texture_mean", "area_avg", "smoothness_mean"])));
        Assert.Equal("hospital-4 cannot take part: its training file holds one class only",
            RoundMachine.RegistrationRefusal(driver.State, "hospital-4", Schema(problem: "its training file holds one class only")));
        Assert.Null(RoundMachine.RegistrationRefusal(driver.State, "hospital-4", Schema()));
        Assert.Equal(RoundPhase.Collecting, driver.State.Phase);
    }

    [Fact]
    public void Hospitals_that_say_nothing_of_their_data_are_not_compared()
    {
        var driver = new MachineDriver();
        RegisterWith(driver, "hospital-1", Schema());

        driver.Register("hospital-2", "hospital-3");

        Assert.Equal((RoundPhase.Collecting, 0), (driver.State.Phase, driver.State.Round));
    }
}
