using FederatedHe.Training.Data;

namespace FederatedHe.Training.Tests;

public sealed class CsvDatasetLoaderTests
{
    private const string Header = "diagnosis,radius,texture";

    private static Dataset LoadText(string content, CsvDatasetOptions? options = null)
    {
        var path = TestData.WriteTemporaryCsv(content);
        try
        {
            return CsvDatasetLoader.Load(path, options);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static DatasetFormatException LoadFails(string content, CsvDatasetOptions? options = null)
    {
        var path = TestData.WriteTemporaryCsv(content);
        try
        {
            var error = Assert.Throws<DatasetFormatException>(() => CsvDatasetLoader.Load(path, options));
            Assert.Equal(path, error.FilePath);
            Assert.Contains(path, error.Message);
            return error;
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_shipped_wdbc_file_loads_as_569_samples_of_30_features_with_212_malignant()
    {
        var dataset = CsvDatasetLoader.Load(TestData.WdbcPath);

        Assert.Equal(569, dataset.SampleCount);
        Assert.Equal(30, dataset.FeatureCount);
        Assert.Equal(212, dataset.PositiveCount);
        Assert.Equal("radius_mean", dataset.FeatureNames[0]);
        Assert.Equal("concave points_mean", dataset.FeatureNames[7]);
        Assert.Equal(17.99f, dataset.Row(0)[0]);
        Assert.Equal(1, dataset.Labels[0]);
    }

    [Fact]
    public void An_id_column_is_never_a_feature()
    {
        var dataset = LoadText("id,diagnosis,radius\n842302,M,17.99\n842517,B,20.57\n");

        Assert.Equal(["radius"], dataset.FeatureNames);
        Assert.Equal([17.99f, 20.57f], dataset.Features.ToArray());
    }

    [Fact]
    public void An_id_column_stays_excluded_even_when_other_columns_are_excluded_explicitly()
    {
        var dataset = LoadText("ID,diagnosis,radius,site\n1,M,17.99,3\n2,B,12.5,3\n", new CsvDatasetOptions { ExcludedColumns = ["site"] });

        Assert.Equal(["radius"], dataset.FeatureNames);
    }

    [Theory]
    [InlineData("M", "B")]
    [InlineData("malignant", "benign")]
    [InlineData("Malignant", "BENIGN")]
    [InlineData("1", "0")]
    public void Malignant_and_benign_labels_are_read_as_one_and_zero_in_every_accepted_spelling(string malignant, string benign)
    {
        var dataset = LoadText($"{Header}\n{malignant},1,2\n{benign},3,4\n");

        Assert.Equal([1, 0], dataset.Labels.ToArray());
    }

    [Fact]
    public void A_diagnostic_column_is_found_as_the_label_when_there_is_no_diagnosis_column()
    {
        var dataset = LoadText("radius,diagnostic,texture\n1.5,M,2\n1.2,B,3\n");

        Assert.Equal(["radius", "texture"], dataset.FeatureNames);
        Assert.Equal(1, dataset.Labels[0]);
    }

    [Fact]
    public void A_configured_label_column_is_used_instead_of_the_defaults()
    {
        var dataset = LoadText("outcome,radius\nbenign,1.5\nmalignant,2.5\n", new CsvDatasetOptions { LabelColumn = "Outcome" });

        Assert.Equal(0, dataset.Labels[0]);
        Assert.Equal(["radius"], dataset.FeatureNames);
    }

    [Fact]
    public void Quoted_fields_are_unquoted_including_doubled_quotes_and_embedded_delimiters()
    {
        var dataset = LoadText("\"diagnosis\",\"concave points, mean\",\"size \"\"a\"\"\"\n\"M\", \"1.5\",2\nB,3,4\n");

        Assert.Equal(["concave points, mean", "size \"a\""], dataset.FeatureNames);
        Assert.Equal([1.5f, 2f], dataset.Row(0).ToArray());
    }

    [Fact]
    public void Numbers_are_read_with_the_invariant_culture_including_exponents()
    {
        var dataset = LoadText($"{Header}\nM,1.5e-3,-2\nB,1,1\n");

        Assert.Equal([0.0015f, -2f], dataset.Row(0).ToArray());
    }

    [Fact]
    public void Blank_lines_and_the_empty_trailing_column_of_the_kaggle_export_are_ignored()
    {
        var dataset = LoadText("id,diagnosis,radius,\n1,M,1.5,\n\n2,B,2.5,\n\n");

        Assert.Equal(2, dataset.SampleCount);
        Assert.Equal(["radius"], dataset.FeatureNames);
    }

    [Fact]
    public void A_non_numeric_value_is_reported_with_its_file_line_and_column()
    {
        var error = LoadFails($"{Header}\nM,1,2\nB,3,abc\n");

        Assert.Equal(3, error.LineNumber);
        Assert.Equal("texture", error.ColumnName);
        Assert.Contains("line 3", error.Message);
        Assert.Contains("'texture'", error.Message);
    }

    [Fact]
    public void A_missing_value_is_reported_with_its_line_and_column()
    {
        var error = LoadFails($"{Header}\nM,,2\n");

        Assert.Equal(2, error.LineNumber);
        Assert.Equal("radius", error.ColumnName);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("1e400")]
    public void Values_that_are_not_finite_floats_are_refused(string value)
    {
        var error = LoadFails($"{Header}\nM,1,{value}\n");

        Assert.Equal(2, error.LineNumber);
        Assert.Equal("texture", error.ColumnName);
    }

    [Fact]
    public void A_decimal_comma_is_not_silently_read_as_a_number()
    {
        var error = LoadFails($"{Header}\nM,\"1,5\",2\n");

        Assert.Equal("radius", error.ColumnName);
    }

    [Theory]
    [InlineData("M,1\n")]
    [InlineData("M,1,2,3\n")]
    public void A_row_with_the_wrong_number_of_fields_is_reported_with_its_line(string row)
    {
        var error = LoadFails($"{Header}\nB,1,2\n{row}");

        Assert.Equal(3, error.LineNumber);
        Assert.Contains("fields", error.Problem);
    }

    [Fact]
    public void An_unknown_label_is_reported_with_its_line_and_the_label_column()
    {
        var error = LoadFails($"{Header}\nX,1,2\n");

        Assert.Equal(2, error.LineNumber);
        Assert.Equal("diagnosis", error.ColumnName);
        Assert.Contains("'X'", error.Message);
    }

    [Fact]
    public void A_file_without_a_label_column_is_refused_at_its_header()
    {
        var error = LoadFails("radius,texture\n1,2\n");

        Assert.Equal(1, error.LineNumber);
    }

    [Fact]
    public void A_missing_configured_label_column_is_named_in_the_error()
    {
        var error = LoadFails($"{Header}\nM,1,2\n", new CsvDatasetOptions { LabelColumn = "outcome" });

        Assert.Equal("outcome", error.ColumnName);
    }

    [Fact]
    public void An_unclosed_quote_is_reported_with_its_line()
    {
        var error = LoadFails($"{Header}\nM,\"1,2\n");

        Assert.Equal(2, error.LineNumber);
    }

    [Theory]
    [InlineData("")]
    [InlineData("diagnosis,radius\n")]
    public void A_file_without_data_rows_is_refused(string content)
    {
        var error = LoadFails(content);

        Assert.Null(error.ColumnName);
    }

    [Fact]
    public void A_repeated_column_is_refused()
    {
        var error = LoadFails("diagnosis,radius,radius\nM,1,2\n");

        Assert.Equal("radius", error.ColumnName);
    }

    [Fact]
    public void A_missing_file_is_a_dataset_format_error_naming_the_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"fedhe-missing-{Guid.NewGuid():N}.csv");

        var error = Assert.Throws<DatasetFormatException>(() => CsvDatasetLoader.Load(path));

        Assert.Equal(path, error.FilePath);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\n \t\n")]
    public void An_empty_file_is_refused_as_empty(string content)
    {
        var error = LoadFails(content);

        Assert.Null(error.LineNumber);
        Assert.Contains("empty", error.Problem);
    }

    [Theory]
    [InlineData("diagnosis,radius\n")]
    [InlineData("diagnosis,radius\n\n  \n")]
    public void A_header_without_data_rows_is_refused(string content)
    {
        var error = LoadFails(content);

        Assert.Contains("no data rows", error.Problem);
    }

    [Theory]
    [InlineData("M", "M", "malignant", "benign")]
    [InlineData("b", "benign", "benign", "malignant")]
    [InlineData("0", "B", "benign", "malignant")]
    public void A_training_file_with_only_one_class_is_refused_naming_the_label_column(string first, string second, string present, string absent)
    {
        var error = LoadFails($"{Header}\n{first},1,2\n{second},3,4\n");

        Assert.Equal("diagnosis", error.ColumnName);
        Assert.Null(error.LineNumber);
        Assert.Contains($"all 2 rows are {present}", error.Problem);
        Assert.Contains($"no row is {absent}", error.Problem);
    }

    [Fact]
    public void A_one_class_file_loads_when_both_classes_are_not_required_as_for_evaluation()
    {
        var dataset = LoadText($"{Header}\nB,1,2\nB,3,4\n", new CsvDatasetOptions { RequireBothClasses = false });

        Assert.Equal([0, 0], dataset.Labels.ToArray());
    }

    [Theory]
    [InlineData("nan")]
    [InlineData("NAN")]
    [InlineData("inf")]
    [InlineData("-inf")]
    [InlineData("+Inf")]
    [InlineData("infinity")]
    [InlineData("∞")]
    [InlineData("-∞")]
    [InlineData("1.#INF")]
    public void Every_spelling_of_nan_and_infinity_is_refused_as_not_finite(string value)
    {
        var error = LoadFails($"{Header}\nM,1,2\nB,{value},4\n");

        Assert.Equal(3, error.LineNumber);
        Assert.Equal("radius", error.ColumnName);
        Assert.Contains("not a finite number", error.Problem);
        Assert.Contains($"'{value}'", error.Message);
    }

    [Theory]
    [InlineData("NA")]
    [InlineData("n/a")]
    [InlineData("?")]
    [InlineData("null")]
    public void A_missing_value_marker_is_refused_as_missing(string value)
    {
        var error = LoadFails($"{Header}\nM,1,{value}\n");

        Assert.Equal(2, error.LineNumber);
        Assert.Equal("texture", error.ColumnName);
        Assert.Contains("missing", error.Problem);
    }

    [Theory]
    [InlineData("2")]
    [InlineData("1.0")]
    [InlineData("yes")]
    [InlineData("mal")]
    [InlineData("nan")]
    [InlineData("-1")]
    public void Labels_other_than_the_accepted_spellings_are_refused(string label)
    {
        var error = LoadFails($"{Header}\nM,1,2\n{label},3,4\n");

        Assert.Equal(3, error.LineNumber);
        Assert.Equal("diagnosis", error.ColumnName);
        Assert.Contains("M/B, malignant/benign or 1/0", error.Problem);
    }

    [Fact]
    public void A_loaded_dataset_knows_its_label_column_and_schema()
    {
        var dataset = LoadText("Diagnostic,radius,texture\nM,1,2\nB,3,4\n");

        Assert.Equal("Diagnostic", dataset.LabelColumn);
        Assert.Equal(new DatasetSchema(["radius", "texture"], "Diagnostic"), dataset.Schema);
    }

    [Fact]
    public void Patients_to_score_load_without_a_label_column_keeping_ids_and_line_numbers()
    {
        var path = TestData.WriteTemporaryCsv("id,radius,texture\n842302,17.99,10.38\n\n842517,20.57,17.77\n");
        try
        {
            var patients = CsvDatasetLoader.LoadForScoring(path);

            Assert.Equal(["radius", "texture"], patients.FeatureNames);
            Assert.Equal(["842302", "842517"], patients.Ids!);
            Assert.Equal([2, 4], patients.LineNumbers);
            Assert.Equal([17.99f, 10.38f, 20.57f, 17.77f], patients.Features.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Patients_to_score_skip_a_label_column_without_reading_it()
    {
        var path = TestData.WriteTemporaryCsv("radius,diagnosis,texture\n1,,2\n3,unknown,4\n");
        try
        {
            var patients = CsvDatasetLoader.LoadForScoring(path);

            Assert.Equal(["radius", "texture"], patients.FeatureNames);
            Assert.Null(patients.Ids);
            Assert.Equal(2, patients.SampleCount);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Patients_to_score_are_refused_for_a_non_finite_value_like_a_training_file()
    {
        var path = TestData.WriteTemporaryCsv("radius,texture\n1,2\n3,inf\n");
        try
        {
            var error = Assert.Throws<DatasetFormatException>(() => CsvDatasetLoader.LoadForScoring(path));

            Assert.Equal((3, "texture"), (error.LineNumber, error.ColumnName));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
