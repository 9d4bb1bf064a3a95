/// Empty templates of every input file, with a README of their columns: what
/// `placeplan init DIR` writes for an officer to fill from the census, capacity and births
/// exports.
public enum InputTemplates {
    /// (path relative to the folder, contents), in the order they are written.
    public static let files: [(String, String)] = [
        ("areas.csv", "id,name,phase,local_authority\n"),
        ("schools.csv", "id,name,planning_area,phase,first_year_group,last_year_group,pan,net_capacity,opens,closes,arp_places,locality\n"),
        ("rolls.csv", "year,area,year_group,pupils\n"),
        ("births.csv", "area,year,births,lower,upper,type\n"),
        ("transfers.csv", "from_area,to_area,share\n"),
        ("yields.csv", "type,bedrooms,tenure,years_since_completion,year_group,pupils_per_dwelling\n"),
        ("send_costs.csv", "placement,annual_cost\n"),
        ("scenarios/baseline.yaml", """
            # The trend forecast with no changes. Copy it to write scenarios (scenarios/README.md
            # in the placeplan repository lists every change type).
            name: baseline
            description: No changes - the trend forecast.
            changes: []

            """),
        ("scenarios/options.yaml", """
            # What the authority could do, for `placeplan plan --options scenarios/options.yaml`.
            # Costs are pounds; years are academic years by their September (2027 is 2027/28).
            name: options
            description: Capital programme options
            class_size: 30
            surplus_place_cost: 0
            options:
              - type: bulge
                school: SCHOOL-ID       # a school id from schools.csv
                cost: 350000            # per class
                lead_time: 1

            """),
        ("README.md", readme),
    ]

    static let readme = """
        # Your placeplan data

        Fill these files from your own exports, then run `placeplan check --data .` from this
        folder: it lists every problem at once. All files are CSV with a header row (from Excel:
        Save As "CSV UTF-8 (Comma delimited)"; plain "CSV (Comma delimited)" is read too).
        Years are academic years written `2024/25`, `202425` or `2024` (the year it starts in
        September). DfE suppression codes (`x`, `c`, ...) mean missing, never zero.

        ## areas.csv: one row per planning area

        - `id`: your planning area code, unique (e.g. `P01`)
        - `name`: its name
        - `phase`: `primary` (R-Y6), `secondary` (Y7-Y13) or `all-through` (R-Y13)
        - `local_authority`: your authority's three-digit DfE LA number (e.g. `302`); births
          are looked up by area id, else by this

        ## schools.csv: one row per school (an all-through school is two rows, one per phase)

        - `id`, `name`: the school's code (URN or your own) and name
        - `planning_area`: an `id` from areas.csv whose phase holds the school's year groups
        - `phase`: `primary`, `secondary`, `all-through` or `special`
        - `first_year_group`, `last_year_group`: `R`, `Y1` ... `Y13`
        - `pan`: published admission number (places in the entry year group; 0 for special schools)
        - `net_capacity`: places over all year groups
        - `opens`, `closes` (optional): first academic year with pupils, first year without
        - `arp_places` (optional): specialist places by DfE primary need, `ASD:12;SLCN:8`
        - `locality` (optional): planning areas the school's specialist places serve, `S3;P06`; empty: the whole authority

        ## rolls.csv: January census pupils, one row per year, area (or school) and year group

        - `year`: the census's academic year; consecutive years for every area (a gap is an error)
        - `area` or `school`: a planning area id, or a school id (school rolls are summed into its area)
        - `year_group`: `R`, `Y1` ... `Y13`, within the area's phase
        - `pupils`: a count, or a suppression code

        ## births.csv: live births by mid-year

        - `area`: a planning area id or your `local_authority`
        - `year`: the mid-year: 2021 means July 2020 to June 2021, the cohort that starts Reception
          in September 2025
        - `births`; optional `lower`, `upper` (an interval) and `type` (`predicted` for projections)

        ## transfers.csv (optional): Year 6 to Year 7

        - `from_area` (primary), `to_area` (secondary), `share`: the share of the primary area's
          Year 6 who go to the secondary area's Year 7, from admissions data; the shares out of one
          primary area sum to at most 1. Without the file, each secondary area draws on all primary
          areas of its LA.

        ## yields.csv (for housing scenarios): pupils per dwelling

        - `type` (`house` or `flat`), `bedrooms` (1-4), `tenure` (`market` or `affordable`),
          `years_since_completion` (0, 1, 2, ...), `year_group`, `pupils_per_dwelling`: from your
          child yield survey.

        ## send_costs.csv (optional): annual cost per pupil by placement

        - `placement` (`mainstream`, `arp`, `special`, `independent`, `out_of_borough`, `ap_other`),
          `annual_cost` (pounds)

        ## SEND

        Put the DfE's EHCP files (SEN2 releases: `ehcp_by_age_band_*.csv`,
        `ehcp_new_plans_by_age_band_*.csv`, `ehcp_caseload_by_placement_*.csv`,
        `ehcp_primary_need_*.csv`) in a `send/` folder here, as downloaded.

        ## scenarios/

        `baseline.yaml` is the trend; `options.yaml` lists what the authority could do, for
        `placeplan plan`. Both formats are described in the placeplan repository's
        scenarios/README.md.

        """
}
