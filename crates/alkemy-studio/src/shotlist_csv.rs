//! The shot list as CSV, with the columns a shot list has in production:
//! Scene, Shot, Size, Angle, Movement, Lens, Duration, Cast, Location,
//! Description. Quoting follows RFC 4180 (the `csv` crate), so commas,
//! quotes and line breaks in descriptions survive a spreadsheet round trip.

use std::io::Write;

use alkemy_core::{IntExt, Shot, ShotList, TimeOfDay};

/// The header row.
pub const COLUMNS: [&str; 10] = [
    "Scene",
    "Shot",
    "Size",
    "Angle",
    "Movement",
    "Lens",
    "Duration",
    "Cast",
    "Location",
    "Description",
];

/// Error writing the CSV.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the shot list CSV: {0}")]
pub struct CsvError(#[from] csv::Error);

/// Seconds with millisecond precision: `3.250`.
fn seconds(ms: u32) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

fn location(shot: &Shot) -> String {
    let prefix = match shot.int_ext {
        IntExt::Int => "INT. ",
        IntExt::Ext => "EXT. ",
        IntExt::IntExt => "INT./EXT. ",
        IntExt::Unknown => "",
    };
    let time = match shot.time_of_day {
        TimeOfDay::Dawn => " - DAWN",
        TimeOfDay::Morning => " - MORNING",
        TimeOfDay::Day => " - DAY",
        TimeOfDay::Afternoon => " - AFTERNOON",
        TimeOfDay::Dusk => " - DUSK",
        TimeOfDay::Evening => " - EVENING",
        TimeOfDay::Night => " - NIGHT",
        TimeOfDay::Continuous => " - CONTINUOUS",
        TimeOfDay::Unspecified => "",
    };
    format!("{prefix}{}{time}", shot.location)
}

/// One shot as a CSV record, in [`COLUMNS`] order.
pub fn record(shot: &Shot) -> [String; 10] {
    let cast: Vec<&str> = shot.cast.iter().map(|f| f.name.as_str()).collect();
    [
        shot.scene_number.to_string(),
        shot.number.to_string(),
        shot.size.abbrev().to_owned(),
        shot.angle.name().to_owned(),
        shot.movement.name().to_owned(),
        format!("{}mm", shot.lens_mm),
        seconds(shot.duration_ms),
        cast.join(", "),
        location(shot),
        shot.description.clone(),
    ]
}

/// Writes the shot list as CSV (header first) to `out`.
pub fn write<W: Write>(list: &ShotList, out: W) -> Result<(), CsvError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS)?;
    for shot in &list.shots {
        w.write_record(record(shot))?;
    }
    w.flush().map_err(csv::Error::from)?;
    Ok(())
}

/// The shot list as a CSV string.
pub fn to_string(list: &ShotList) -> Result<String, CsvError> {
    let mut buf = Vec::new();
    write(list, &mut buf)?;
    // The writer only ever receives valid UTF-8 strings.
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{PlanOptions, plan};
    use crate::testkit::Script;

    #[test]
    fn writes_production_columns_with_proper_quoting() {
        let b = Script::new()
            .scene("7", "INT. DINER - NIGHT")
            .duration(10.0)
            .action("JOE says \"hi\", then sits,\nslowly.", &["JOE"])
            .build();
        let list = plan(&b, &PlanOptions::default());
        let text = to_string(&list).unwrap();
        let mut rd = csv::Reader::from_reader(text.as_bytes());
        let headers: Vec<String> = rd.headers().unwrap().iter().map(str::to_owned).collect();
        assert_eq!(headers, COLUMNS);
        let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), list.shots.len());
        let last = rows.last().unwrap();
        assert_eq!(&last[0], "7");
        assert_eq!(&last[1], list.shots.last().unwrap().number);
        assert_eq!(&last[7], "JOE");
        assert_eq!(&last[8], "INT. DINER - NIGHT");
        assert_eq!(&last[9], "JOE says \"hi\", then sits, slowly.");
        // Durations read back to the scene's screen time.
        let total: f64 = rows.iter().map(|r| r[6].parse::<f64>().unwrap()).sum();
        assert!((total - 10.0).abs() < 1e-9, "{total}");
        assert!(rows.iter().all(|r| r[5].ends_with("mm")));
    }

    #[test]
    fn quotes_what_needs_quoting() {
        let b = Script::new()
            .scene("1", "EXT. FIELD, NORTH - DAY")
            .action("A, B and \"C\".", &[])
            .build();
        let text = to_string(&plan(&b, &PlanOptions::default())).unwrap();
        assert!(text.contains("\"EXT. FIELD, NORTH - DAY\""), "{text}");
        assert!(text.contains("\"A, B and \"\"C\"\".\""), "{text}");
    }

    #[test]
    fn formats_seconds_to_the_millisecond() {
        assert_eq!(seconds(3250), "3.250");
        assert_eq!(seconds(7), "0.007");
    }
}
